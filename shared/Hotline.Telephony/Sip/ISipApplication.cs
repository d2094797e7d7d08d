using Hotline.Telephony.Sip.Transactions;

namespace Hotline.Telephony.Sip;

/// <summary>
/// What sits on the engine (the call center): it is given every new INVITE and decides what to do with it (answer it,
/// challenge it, refuse it, create a dialog). Requests inside a dialog go to the dialog's owner instead.
/// </summary>
internal interface ISipApplication
{
    /// <summary>An INVITE without To tag, in its new server transaction (100 Trying already sent).</summary>
    void OnInvite(ServerTransaction invite);
}
