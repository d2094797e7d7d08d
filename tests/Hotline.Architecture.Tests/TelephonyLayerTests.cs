using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Hotline.Architecture.Tests;

/// <summary>
/// The layers inside the telephony module: the SIP engine (<c>Sip.*</c>: transport, transactions, dialogs, registrar)
/// knows nothing of calls, media knows nothing of SIP, and call control speaks SIP only through dialogs — it writes no
/// Via, From, To, Call-ID or CSeq of its own.
/// </summary>
public sealed partial class TelephonyLayerTests
{
    private const string Sip = "Hotline.Telephony.Sip";
    private const string CallControl = "Hotline.Telephony.CallControl";
    private const string Media = "Hotline.Telephony.Media";

    [Theory]
    [InlineData(CallControl)]
    [InlineData("Hotline.Telephony.Cti")]
    public void The_sip_engine_does_not_depend_on_what_sits_on_it(string above)
    {
        var result = Types.InAssembly(Modules.Load(Modules.Telephony))
            .That().ResideInNamespaceStartingWith(Sip)
            .ShouldNot().HaveDependencyOn(above)
            .GetResult();
        Assert.True(result.IsSuccessful, $"Sip.* must not use {above}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Media_does_not_depend_on_sip_or_calls()
    {
        var result = Types.InAssembly(Modules.Load(Modules.Telephony))
            .That().ResideInNamespaceStartingWith(Media)
            .ShouldNot().HaveDependencyOnAny(Sip, CallControl)
            .GetResult();
        Assert.True(result.IsSuccessful, $"Media must not use Sip or CallControl: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void There_are_sip_types_to_check()
    {
        // the rules above pass vacuously if the namespaces were renamed
        var types = Modules.Load(Modules.Telephony).GetTypes().Select(t => t.Namespace ?? string.Empty).ToHashSet();
        Assert.Contains(Sip + ".Dialogs", types);
        Assert.Contains(CallControl, types);
        Assert.Contains(Media, types);
    }

    [Fact]
    public void Call_control_builds_no_dialog_header_by_hand()
    {
        var folder = Path.Combine(Modules.RepositoryRoot, "shared", "Hotline.Telephony", "CallControl");
        var files = System.IO.Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var found = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => HandBuilt(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, "CallControl must ask its Dialog for requests and responses:\n" + string.Join("\n", found));
    }

    [Theory]
    [InlineData("invite.Headers.Add(\"Via\", $\"SIP/2.0/UDP {local};branch=z9hG4bK1\");", true)]
    [InlineData("request.Headers.Add( \"CSeq\", \"1 INVITE\");", true)]
    [InlineData("bye.Headers.Add(\"Call-ID\", Id);", true)]
    [InlineData("r.Headers.Insert(0, \"From\", from);", true)]
    [InlineData("m.Headers.Add(\"t\", to);", true)]
    [InlineData("var bye = new SipRequest { Method = \"BYE\", Uri = target };", true)]
    [InlineData("var to = from + \";tag=\" + tag;", true)]
    [InlineData("notify.Headers.Add(\"Event\", \"talk\");", false)]
    [InlineData("var caller = request.Headers[\"From\"];", false)]
    public void The_hand_built_header_check_sees_what_it_should(string line, bool handBuilt) =>
        Assert.Equal(handBuilt, HandBuilt(line));

    private static bool HandBuilt(string line) => HeaderWrite().IsMatch(line) || line.Contains("new SipRequest", StringComparison.Ordinal)
        || line.Contains(";tag=", StringComparison.Ordinal) || line.Contains("SIP/2.0/", StringComparison.Ordinal);

    [GeneratedRegex("""Headers\.(Add|Insert|Set)\(\s*(\d+\s*,\s*)?"(Via|v|From|f|To|t|Call-ID|i|CSeq)"\s*,""", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderWrite();
}
