namespace Hotline.Federation;

/// <summary>Which transport carries federation messages between node processes.</summary>
public enum FederationTransport
{
    /// <summary>Embedded default: Wolverine's HTTP transport between node processes, SQLite (or PostgreSQL) message store.</summary>
    Http,
    /// <summary>At scale: a RabbitMQ broker, one durable queue per node.</summary>
    RabbitMq,
}

/// <summary>
/// Federation settings of one node, bound from the <c>Federation</c> section (the neighbours themselves are
/// <c>Federation:Peers</c>, see <see cref="Hotline.Identity.PeerNodesOptions"/>). Periods are TimeSpans so tests can
/// run the 催办/督办/通报 clock in seconds.
/// </summary>
public sealed class FederationOptions
{
    public const string SectionName = "Federation";

    /// <summary>Http (embedded) or RabbitMq (scale).</summary>
    public FederationTransport Transport { get; set; } = FederationTransport.Http;

    /// <summary>RabbitMQ URI, e.g. amqp://guest:guest@127.0.0.1:5672 (Transport = RabbitMq).</summary>
    public string? RabbitMq { get; set; }

    /// <summary>Default 交办 deadline when the assigner gives none.</summary>
    public TimeSpan DefaultAssignmentPeriod { get; set; } = TimeSpan.FromDays(13);

    /// <summary>催办 is sent this long before the deadline (zero: at the deadline).</summary>
    public TimeSpan UrgeBeforeDeadline { get; set; } = TimeSpan.FromDays(1);

    /// <summary>督办 is sent this long after the deadline if the case is still open.</summary>
    public TimeSpan SuperviseAfterDeadline { get; set; } = TimeSpan.FromDays(1);

    /// <summary>通报 is sent this long after 督办 if the case is still open.</summary>
    public TimeSpan NoticeAfterSupervision { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How often the city relay polls the case feed when idle.</summary>
    public TimeSpan RelayPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many feed entries the relay reads per batch.</summary>
    public int RelayBatchSize { get; set; } = 200;

    /// <summary>How often Wolverine polls for due scheduled messages (saga timeouts).</summary>
    public TimeSpan ScheduledJobPollingTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the node runs the city relay (defaults to on for municipal nodes).</summary>
    public bool? RunRelay { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (Transport == FederationTransport.RabbitMq && !Uri.TryCreate(RabbitMq, UriKind.Absolute, out _))
        {
            yield return "Federation:RabbitMq must be an amqp:// URI when Federation:Transport is RabbitMq.";
        }

        if (DefaultAssignmentPeriod <= TimeSpan.Zero)
        {
            yield return "Federation:DefaultAssignmentPeriod must be positive.";
        }

        if (UrgeBeforeDeadline < TimeSpan.Zero || SuperviseAfterDeadline < TimeSpan.Zero || NoticeAfterSupervision <= TimeSpan.Zero)
        {
            yield return "Federation:UrgeBeforeDeadline and SuperviseAfterDeadline must not be negative; NoticeAfterSupervision must be positive.";
        }

        if (RelayBatchSize is < 1 or > 5000)
        {
            yield return "Federation:RelayBatchSize must be between 1 and 5000.";
        }
    }
}
