using Hotline.Municipal.Composition;
using Hotline.SharedKernel;
using Hotline.Telephony;
using Hotline.Ticketing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotline.EndToEnd.Tests.City;

/// <summary>The city host's adapters on their own: voicemail to case, recording ids, agent extensions, demo history.</summary>
public sealed class CityCompositionTests : IDisposable
{
    private readonly string _telephony = Path.Combine(Path.GetTempPath(), "hotline-city-" + Guid.NewGuid().ToString("N")[..8], "telephony");

    [Fact]
    public async Task A_voicemail_becomes_a_voicemail_case_with_the_callers_number_and_the_recording_linked()
    {
        var intake = new RecordingIntake(_ => new AcceptedCase("440300-20261126-000042", "QC2345AB", false));
        var sink = Sink(intake);
        var recording = Path.Combine(_telephony, "voicemail", "20261126", "call-1.wav");

        var caseNumber = await sink.VoicemailRecordedAsync(new VoicemailRecorded("call-1", "13800138000", "complaint", recording,
            TimeSpan.FromSeconds(17.4), "overflow", DateTimeOffset.UtcNow));

        Assert.Equal("440300-20261126-000042", caseNumber);
        var command = Assert.Single(intake.Commands);
        Assert.Equal(CaseChannel.Voicemail, command.Channel);
        Assert.Equal(CaseType.Complaint, command.Type);
        Assert.Equal("13800138000", command.CallerPhone);
        Assert.Equal("voicemail/20261126/call-1.wav", command.RecordingId);
        Assert.Contains("17 秒", command.Description, StringComparison.Ordinal);
        Assert.Contains("排队超时", command.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_voicemail_the_intake_refuses_files_nothing_and_returns_no_case()
    {
        var intake = new RecordingIntake(_ => Error.Validation(new Dictionary<string, string[]> { ["phone"] = ["Not a phone number."] }));
        var caseNumber = await Sink(intake).VoicemailRecordedAsync(new VoicemailRecorded("call-2", "anonymous", null,
            Path.Combine(_telephony, "voicemail", "x.wav"), TimeSpan.FromSeconds(3), "afterHours", DateTimeOffset.UtcNow));

        Assert.Null(caseNumber);
        Assert.Equal(CaseType.Inquiry, Assert.Single(intake.Commands).Type);
    }

    [Theory]
    [InlineData("voicemail/20261126/a.wav", true)]
    [InlineData("recordings/20261126/b.wav", true)]
    [InlineData("../identity.db", false)]
    [InlineData("voicemail/../../x.wav", false)]
    [InlineData("..%2F..%2Fx.wav", false)]
    [InlineData("/etc/passwd.wav", false)]
    [InlineData("voicemail/a.txt", false)]
    public void Recording_ids_resolve_only_inside_the_telephony_folder(string id, bool resolves)
    {
        var path = RecordingLinks.PathOf(_telephony, id);
        Assert.Equal(resolves, path is not null);
        if (path is not null)
        {
            Assert.StartsWith(Path.GetFullPath(_telephony) + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
            Assert.Equal(id, RecordingLinks.IdOf(_telephony, path));
        }

        Assert.Null(RecordingLinks.IdOf(_telephony, "/tmp/elsewhere.wav"));
    }

    [Fact]
    public void Agent_extensions_must_name_a_user_and_a_configured_extension_once()
    {
        var sip = Options.Create(new SipOptions { Extensions = [new SipExtension { Extension = "8001", Password = "p" }] });
        var validator = new AgentExtensionValidator(sip);

        Assert.True(validator.Validate(null, new AgentExtensionOptions { Agents = [new AgentExtension { User = "agent1", Extension = "8001" }] }).Succeeded);
        var bad = validator.Validate(null, new AgentExtensionOptions
        {
            Agents = [new AgentExtension { User = "", Extension = "8001" }, new AgentExtension { User = "agent2", Extension = "8009" }],
        });
        Assert.True(bad.Failed);
        Assert.Contains(bad.Failures!, f => f.Contains("AgentExtensions:Agents:0:User", StringComparison.Ordinal));
        Assert.Contains(bad.Failures!, f => f.Contains("AgentExtensions:Agents:1:Extension '8009'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_demo_history_is_a_deterministic_year_of_mostly_inquiries_in_the_past()
    {
        var now = new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero);
        var options = new DemoDataOptions { Enabled = true, Cases = 240, Days = 365 };
        var plan = DemoHistorySeeder.Plan("440300", "深圳市", options, now).ToList();
        var again = DemoHistorySeeder.Plan("440300", "深圳市", options, now).ToList();

        Assert.Equal(240, plan.Count);
        Assert.Equal(plan.Select(p => (p.At, p.Command.Description)), again.Select(p => (p.At, p.Command.Description)));
        Assert.True(plan.Zip(plan.Skip(1)).All(p => p.First.At <= p.Second.At), "oldest first");
        Assert.All(plan, p => Assert.InRange(p.At, now.AddDays(-366), now.AddHours(-1)));
        Assert.True(plan[0].At < now.AddDays(-300) && plan[^1].At > now.AddDays(-60), "spread over the year");
        Assert.True(plan.Count(p => p.Command.Type == CaseType.Inquiry) > plan.Count / 3);
        Assert.True(plan.Select(p => p.Command.Channel).Distinct().Count() >= 5);
        Assert.All(plan, p => Assert.Matches(@"^1[3578]\d{9}$", p.Command.CallerPhone!));
        Assert.All(plan.Where(p => p.Command.Enterprise is not null), p => Assert.StartsWith("深圳", p.Command.Enterprise!, StringComparison.Ordinal));
        Assert.All(plan, p => Assert.True(p.Command.OccurredAt < p.At));
        Assert.NotEqual(plan.Select(p => p.Command.Description), DemoHistorySeeder.Plan("440100", "广州市", options, now).Select(p => p.Command.Description));
    }

    [Fact]
    public void The_demo_clock_moves_only_the_seeding_flow_into_the_past()
    {
        var clock = new DemoClock();
        var past = DateTimeOffset.UtcNow.AddDays(-200);
        using (DemoClock.At(past))
        {
            Assert.InRange(clock.GetUtcNow(), past, past.AddMinutes(1));
        }

        Assert.InRange(clock.GetUtcNow(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task The_case_page_player_reads_recordings_from_the_telephony_folder()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration["Sip:DataDirectory"] = _telephony;
        builder.Services.AddOptions<SipOptions>().Bind(builder.Configuration.GetSection("Sip"));
        builder.Services.AddSingleton<IRecordingStore>(new FileRecordingStore(Path.Combine(_telephony, "elsewhere")));
        builder.AddCityComposition();
        var file = Path.Combine(_telephony, "voicemail", "20261126", "call-9.wav");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, [1, 2, 3]);

        using var provider = builder.Services.BuildServiceProvider();
        var found = await provider.GetRequiredService<IRecordingStore>().FindAsync("voicemail/20261126/call-9.wav", CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(Path.GetFullPath(file), Path.GetFullPath(found.Path));
    }

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_telephony)!;
        if (System.IO.Directory.Exists(root))
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
    }

    private VoicemailToCase Sink(ICaseIntake intake)
    {
        var services = new ServiceCollection().AddScoped(_ => intake).BuildServiceProvider();
        return new VoicemailToCase(services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new SipOptions { DataDirectory = _telephony }), NullLogger<VoicemailToCase>.Instance);
    }

    private sealed class RecordingIntake(Func<AcceptCase, Result<AcceptedCase>> answer) : ICaseIntake
    {
        public List<AcceptCase> Commands { get; } = [];

        public Task<Result<AcceptedCase>> AcceptAsync(AcceptCase command, CancellationToken ct)
        {
            Commands.Add(command);
            return Task.FromResult(answer(command));
        }

        public Task<Result<Unit>> RecordExternalFeedbackAsync(ExternalFeedback feedback, CancellationToken ct) =>
            Task.FromResult(Result.Ok());
    }
}
