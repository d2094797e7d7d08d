using System.Text.Json.Serialization;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Telephony.CallControl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony.Cti;

/// <summary>A queue as the CTI API shows it.</summary>
internal sealed record QueueView(string Name, int Waiting, int LongestWaitSeconds, int Answered, int AnsweredWithin15s, int Abandoned, int Overflowed);

/// <summary>An agent as the CTI API shows it; state is ready, notReady, loggedOut, ringing, talking or wrapUp.</summary>
internal sealed record AgentView(string Extension, string State, string? Reason, bool Registered, int CallsAnswered, double TalkSeconds);

/// <summary>A call in progress as the CTI API shows it.</summary>
internal sealed record CallView(string CallId, string Caller, string? Agent, string? Queue, string State, DateTimeOffset Started,
    string? RecordingId);

/// <summary>Body of PUT /api/v1/cti/agents/{extension}/state.</summary>
/// <summary>The body of a call command that needs one (transfer, consult, conference): where to.</summary>
internal sealed record CallActionRequest([property: JsonPropertyName("target")] string? Target);

internal sealed record AgentStateRequest([property: JsonPropertyName("state")] string? State, [property: JsonPropertyName("reason")] string? Reason);

/// <summary>The CTI REST API (staff only).</summary>
internal static class CtiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var cti = app.MapGroup("/api/v1/cti").RequireAuthorization(HotlinePolicies.Staff).WithTags("CTI");
        cti.MapGet("/queues", (CallCenter calls) => TypedResults.Ok(calls.Acd.Queues()
                .Select(q => new QueueView(q.Name, q.Waiting, q.LongestWaitSeconds, q.Answered, q.AnsweredWithin15s, q.Abandoned, q.Overflowed))))
            .WithName("GetCtiQueues").WithSummary("Each ACD queue with waiting calls, longest wait and service-level counters.");
        cti.MapGet("/agents", (CallCenter calls) => TypedResults.Ok(calls.Acd.Agents(e => calls.Engine.Registrar.Find(e) is not null)
                .Select(a => new AgentView(a.Extension, StateName(a.State), a.Reason, a.Registered, a.CallsAnswered, Math.Round(a.TalkSeconds, 1)))))
            .WithName("GetCtiAgents").WithSummary("Each agent extension with its state.");
        cti.MapPut("/agents/{extension}/state", (string extension, AgentStateRequest body, CallCenter calls, HttpContext http) =>
                SetAgentState.Handle(calls, http.User, extension, body).ToHttpResult(_ => TypedResults.NoContent()))
            .WithName("SetCtiAgentState").WithSummary("Changes an agent's state: ready, notReady (with a reason) or loggedOut.");
        cti.MapGet("/calls", (CallCenter calls, HttpContext http) =>
            {
                var full = CtiAccess.SeesFullNumbers(http.User);
                return TypedResults.Ok(calls.Snapshot().Select(c =>
                    new CallView(c.CallId, full ? c.Caller : Masking.Phone(c.Caller), c.Agent, c.Queue, c.State, c.Started, c.RecordingId)));
            })
            .WithName("GetCtiCalls").WithSummary("Calls in progress (caller masked by role).");
        cti.MapPost("/calls/{callId}/{action}", (string callId, string action, CallCenter calls, HttpContext http, ILoggerFactory loggers,
                [Microsoft.AspNetCore.Mvc.FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] CallActionRequest? body) =>
                CallCommand.Handle(calls, http.User, callId, action, body?.Target, loggers.CreateLogger(CallCommand.AuditCategory))
                    .ToHttpResult(_ => TypedResults.Accepted((string?)null)))
            .WithName("CtiCallCommand")
            .WithSummary("Acts on a call: answer (the ringing agent phone goes off hook), hangup, hold, resume, transfer (body { \"target\": \"8002\" | \"queue:inquiry\" }).")
            .WithDescription("An agent may act on a call that rings or talks at their own extension; a team lead or an administrator on any call; others get 403.");
        cti.MapGet("/records", (CallCenter calls, HttpContext http) =>
            {
                var full = CtiAccess.SeesFullNumbers(http.User);
                return TypedResults.Ok(calls.RecentRecords.Reverse().Take(200)
                    .Select(r => full ? r : r with { Caller = Masking.Phone(r.Caller) }));
            })
            .WithName("GetCallDetailRecords").WithSummary("The most recent call detail records (话单).");
        cti.MapGet("/callbacks", (CallCenter calls, HttpContext http, bool? all) =>
            {
                var full = CtiAccess.SeesFullNumbers(http.User);
                return TypedResults.Ok(calls.Callbacks.List(all ?? false)
                    .Select(r => full ? r : r with { Caller = Masking.Phone(r.Caller) }));
            })
            .WithName("GetCtiCallbacks")
            .WithSummary("Calls owed a call-back (回拨): abandoned while waiting, or requested at the queue's overflow; open ones unless all=true.");
        cti.MapPost("/callbacks/{id}/done", (string id, CallCenter calls, HttpContext http) =>
            {
                var by = http.User.FindFirst(HotlineClaims.Extension)?.Value ?? http.User.Identity?.Name ?? http.User.FindFirst("sub")?.Value ?? "staff";
                return calls.Callbacks.Complete(id, by, calls.Time.GetUtcNow()) is { } done
                    ? Results.Ok(full(http) ? done : done with { Caller = Masking.Phone(done.Caller) })
                    : Error.NotFound("callback.not_found", $"No call-back request {id}.").ToProblem();

                static bool full(HttpContext h) => CtiAccess.SeesFullNumbers(h.User);
            })
            .WithName("CompleteCtiCallback").WithSummary("Marks a call-back done (the agent called the citizen back).");
        app.MapHub<CtiHub>("/hubs/cti").RequireAuthorization(HotlinePolicies.Staff);
    }

    public static string StateName(AgentState state) => state switch
    {
        AgentState.LoggedOut => "loggedOut",
        AgentState.Ready => "ready",
        AgentState.NotReady => "notReady",
        AgentState.Ringing => "ringing",
        AgentState.Talking => "talking",
        _ => "wrapUp",
    };
}
