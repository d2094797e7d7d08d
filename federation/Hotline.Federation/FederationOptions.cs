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

    /// <summary>
    /// Prefix of the durable RabbitMQ queue of each node (<c>prefix + node id</c>); every node of one federation must
    /// use the same prefix. Test runs use a unique prefix so that they never read another run's messages.
    /// </summary>
    public string RabbitQueuePrefix { get; set; } = "hotline.federation.";

    /// <summary>Default 交办 deadline when the assigner gives none.</summary>
    public TimeSpan DefaultAssignmentPeriod { get; set; } = TimeSpan.FromDays(13);

    /// <summary>催办 is sent this long before the deadline (zero: at the deadline).</summary>
    public TimeSpan UrgeBeforeDeadline { get; set; } = TimeSpan.FromDays(1);

    /// <summary>督办 is sent this long after the deadline if the case is still open.</summary>
    public TimeSpan SuperviseAfterDeadline { get; set; } = TimeSpan.FromDays(1);

    /// <summary>通报 is sent this long after 督办 if the case is still open.</summary>
    public TimeSpan NoticeAfterSupervision { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// How often the city relay reads the case feed when nothing wakes it (a fallback: ticketing's commit signal
    /// wakes the relay at once).
    /// </summary>
    public TimeSpan RelayPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Under load only: relay passes that find reports are spaced at least this far apart (start to start), so that
    /// each envelope carries the reports of that period (fewer, fuller envelopes at every hop). A report after a quiet
    /// spell leaves at once; under load this adds at most this much to the first hop. Zero disables.
    /// </summary>
    public TimeSpan RelayLinger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How many feed entries the relay reads per batch.</summary>
    public int RelayBatchSize { get; set; } = 200;

    /// <summary>
    /// How long Wolverine's sender to a neighbour waits to fill an outgoing batch before it sends what it has
    /// (Wolverine's default is 250 ms, paid on every hop). Federation envelopes already carry batches of reports, so a
    /// short window costs little throughput and saves most of a hop's latency.
    /// </summary>
    public TimeSpan SenderBatchTimeout { get; set; } = TimeSpan.FromMilliseconds(5);

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

        if (string.IsNullOrWhiteSpace(RabbitQueuePrefix) || RabbitQueuePrefix.Length > 200)
        {
            yield return "Federation:RabbitQueuePrefix must be a non-empty queue name prefix.";
        }

        if (DefaultAssignmentPeriod <= TimeSpan.Zero)
        {
            yield return "Federation:DefaultAssignmentPeriod must be positive.";
        }

        if (UrgeBeforeDeadline < TimeSpan.Zero || SuperviseAfterDeadline < TimeSpan.Zero || NoticeAfterSupervision <= TimeSpan.Zero)
        {
            yield return "Federation:UrgeBeforeDeadline and SuperviseAfterDeadline must not be negative; NoticeAfterSupervision must be positive.";
        }

        if (RelayLinger < TimeSpan.Zero || RelayLinger > TimeSpan.FromSeconds(5))
        {
            yield return "Federation:RelayLinger must be between 0 and 5 seconds.";
        }

        if (SenderBatchTimeout < TimeSpan.Zero || SenderBatchTimeout > TimeSpan.FromSeconds(1))
        {
            yield return "Federation:SenderBatchTimeout must be between 0 and 1 second.";
        }

        if (RelayBatchSize is < 1 or > 5000)
        {
            yield return "Federation:RelayBatchSize must be between 1 and 5000.";
        }
    }
}
