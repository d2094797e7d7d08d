using System.Collections.Concurrent;
using Hotline.Telephony.Sip.Messages;

namespace Hotline.Telephony.Sip.Dialogs;

/// <summary>
/// The engine's dialogs by dialog id (Call-ID, local tag, remote tag; RFC 3261 §12): what routes a request with a To tag,
/// the ACK of a 2xx and a 2xx retransmitted after its transaction ended. Lock-free lookups; one entry per early or
/// confirmed dialog, removed when the dialog terminates (after a short linger).
/// </summary>
internal sealed class DialogTable
{
    private readonly ConcurrentDictionary<string, Dialog> _dialogs = new(StringComparer.Ordinal);

    /// <summary>Dialogs in the table (early, confirmed, or terminated and lingering).</summary>
    public int Count => _dialogs.Count;

    public static string Key(string callId, string localTag, string? remoteTag) => string.Concat(callId, "\n", localTag, "\n", remoteTag);

    public void Add(Dialog dialog) => _dialogs[dialog.Id] = dialog;

    public void Remove(Dialog dialog) => _dialogs.TryRemove(new KeyValuePair<string, Dialog>(dialog.Id, dialog));

    /// <summary>The dialog a request from the peer belongs to: our tag is in its To, the peer's in its From.</summary>
    public Dialog? ForRequest(SipRequest request) =>
        request.CallId is { } callId && request.ToTag is { } local && _dialogs.TryGetValue(Key(callId, local, request.FromTag), out var d)
            ? d
            : null;

    /// <summary>The dialog a response to our request belongs to: our tag is in its From, the peer's in its To.</summary>
    public Dialog? ForResponse(SipResponse response) =>
        response.CallId is { } callId && response.FromTag is { } local && _dialogs.TryGetValue(Key(callId, local, response.ToTag), out var d)
            ? d
            : null;
}
