using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Hotline.Directory;
using Hotline.Directory.Contracts;
using Hotline.Directory.Heartbeats;
using Hotline.Directory.Persistence;
using Hotline.Federation.Tests.Support;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Hotline.Federation.Tests.Heartbeats;

/// <summary>One call of the directory's entry as the bus handler made it: the beat, the sender the transport named, the outcome.</summary>
internal sealed record RecordedBeat(NodeHeartbeat Beat, string Sender, Result<Unit> Result, DateTimeOffset At);

/// <summary>
/// The directory's entry with every call kept, so a test knows when the bus handler has dealt with a beat and how.
/// Only the bus handler calls <see cref="IDirectoryHeartbeats"/> (the HTTP endpoint goes to the handler directly).
/// </summary>
internal sealed class RecordingHeartbeats(IDirectoryHeartbeats inner, ConcurrentQueue<RecordedBeat> calls) : IDirectoryHeartbeats
{
    public async Task<Result<Unit>> RecordAsync(NodeHeartbeat beat, string senderNodeId, CancellationToken cancellationToken)
    {
        var result = await inner.RecordAsync(beat, senderNodeId, cancellationToken);
        calls.Enqueue(new RecordedBeat(beat, senderNodeId, result, DateTimeOffset.UtcNow));
        return result;
    }
}

/// <summary>Runs the start-up tasks (the directory's schema) before the other hosted services, as the hosts' service defaults do.</summary>
internal sealed class StartupTasks(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in services.GetServices<IStartupTask>())
        {
            await task.RunAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A <see cref="TestNode"/> that also runs the directory module: beats every <c>interval</c> over the bus.</summary>
internal sealed class HeartbeatNode(TestNode node, ConcurrentQueue<RecordedBeat> calls) : IAsyncDisposable
{
    public TestNode Node => node;
    public string Id => node.Id;
    public string Url => node.Url;

    /// <summary>Every beat the bus handler handed to the directory at this node, oldest first.</summary>
    public ConcurrentQueue<RecordedBeat> Calls => calls;

    public static async Task<HeartbeatNode> StartAsync(NodeSpec spec, IReadOnlyDictionary<string, string> urls, string data,
        TimeSpan interval, IReadOnlyDictionary<string, string>? grpc = null, Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? config = null)
    {
        var calls = new ConcurrentQueue<RecordedBeat>();
        var extra = new Dictionary<string, string?>
        {
            ["Federation:RunRelay"] = "false",
            ["Directory:HeartbeatInterval"] = interval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Node:PublicUrl"] = urls[spec.Id],
        };
        foreach (var (key, value) in config ?? new Dictionary<string, string?>())
        {
            extra[key] = value;
        }

        var node = await TestNode.StartAsync(spec, urls[spec.Id], urls, data, extra, grpc: grpc, services: services,
            configure: builder =>
            {
                builder.Services.AddHostedService<StartupTasks>();
                builder.AddDirectoryModule();
                builder.Services.AddSingleton<IDirectoryHeartbeats>(sp =>
                    new RecordingHeartbeats(ActivatorUtilities.CreateInstance<DirectoryHeartbeats>(sp), calls));
            },
            map: app => app.MapDirectoryEndpoints());
        return new HeartbeatNode(node, calls);
    }

    /// <summary>This node's directory row of <paramref name="id"/> (null when it has none).</summary>
    public async Task<DirectoryEntry?> EntryAsync(string id)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DirectoryDbContext>();
        return await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id);
    }

    /// <summary>This node's <c>GET /api/v1/directory/nodes</c> (anonymous).</summary>
    public async Task<DirectoryListing> ListingAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        var json = await http.GetStringAsync(new Uri("/api/v1/directory/nodes", UriKind.Relative));
        return JsonSerializer.Deserialize<DirectoryListing>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Sends <paramref name="beat"/> from this node's bus to neighbour <paramref name="peer"/>, as the directory's uplink does.</summary>
    public async Task SendAsync(string peer, NodeHeartbeat beat, DeliveryOptions? options = null)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        await bus.EndpointFor("peer-" + peer).SendAsync(beat, options);
    }

    public ValueTask DisposeAsync() => node.DisposeAsync();
}

/// <summary>Raw envelopes to a node's federation inbox, as a neighbour's Wolverine sender would post them.</summary>
internal static class Inbox
{
    public const string HeartbeatType = "node-heartbeat.V1";

    public static Envelope Envelope(NodeHeartbeat beat, Guid? id = null, DateTimeOffset? deliverBy = null, string source = "hotline-440100") =>
        new()
        {
            Id = id ?? Guid.NewGuid(),
            MessageType = HeartbeatType,
            ContentType = "application/json",
            Data = JsonSerializer.SerializeToUtf8Bytes(beat, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            Source = source,
            SentAt = DateTimeOffset.UtcNow,
            DeliverBy = deliverBy,
        };

    /// <summary>Posts <paramref name="envelopes"/> as one batch with a token of <c>node-{from}</c> for <paramref name="to"/>; returns the status.</summary>
    public static async Task<int> PostAsync(string url, string to, string from, params Envelope[] envelopes)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Issue(to, "node-" + from, [HotlineRoles.Node]));
        using var content = new ByteArrayContent(EnvelopeSerializer.Serialize(envelopes.ToList()));
        content.Headers.ContentType = new MediaTypeHeaderValue("binary/wolverine-envelopes");
        using var response = await client.PostAsync(new Uri("/_wolverine/batch/federation", UriKind.Relative), content);
        return (int)response.StatusCode;
    }

    /// <summary>A beat of <paramref name="id"/> (a city of 广东 unless said otherwise) sent at <paramref name="sentAt"/>.</summary>
    public static NodeHeartbeat Beat(string id, DateTimeOffset sentAt, string name = "广州市", string? url = "http://127.0.0.1:9", string? grpc = null) =>
        new(id, name, RegionCode.ProvinceOf(id) == id ? "provincial" : "municipal", RegionCode.ProvinceOf(id) == id ? NodeOptions.NationalId : RegionCode.ProvinceOf(id),
            url, null, "test", sentAt, grpc);
}
