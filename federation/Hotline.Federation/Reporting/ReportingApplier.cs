using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Reporting;

/// <summary>
/// 上报: applies case summaries reported up from cities to this node's read model (provinces and the ministry) and
/// forwards them toward the ministry. Idempotent and order-tolerant: a snapshot older than the stored one is ignored.
/// A <see cref="CaseReportBatch"/> is applied in one read-model transaction and forwarded as one envelope.
/// </summary>
internal sealed class ReportingApplier(FederationDbContext db, NextHopSender router, IOptions<NodeOptions> node)
{
    public Task Handle(CaseReported message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, [new CaseReport(message.CaseNumber, message.Version, message.OccurredAt, "created", message.CorrelationId, message.Summary)], bus, ct);

    public Task Handle(CaseStatusChanged message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, [new CaseReport(message.CaseNumber, message.Version, message.OccurredAt, message.EventType, message.CorrelationId, message.Summary)], bus, ct);

    public Task Handle(CaseReportBatch message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, message.Reports, bus, ct);

    private async Task ApplyAndForwardAsync(IRoutedMessage message, IReadOnlyList<CaseReport> reports, IMessageBus bus, CancellationToken ct)
    {
        if (node.Value.Tier != NodeTier.Municipal && reports.Count > 0)
        {
            await UpsertAsync(message.OriginNode, reports, ct);
        }

        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
        }
    }

    /// <summary>One transaction for all reports: one query for the existing rows, newest snapshot wins.</summary>
    private async Task UpsertAsync(string city, IReadOnlyList<CaseReport> reports, CancellationToken ct)
    {
        var numbers = reports.Select(r => r.Summary.CaseNumber).Distinct(StringComparer.Ordinal).ToList();
        var rows = numbers.Count == 1
            ? await db.ReportedCases.Where(r => r.CaseNumber == numbers[0]).ToDictionaryAsync(r => r.CaseNumber, StringComparer.Ordinal, ct)
            : await db.ReportedCases.Where(r => numbers.Contains(r.CaseNumber)).ToDictionaryAsync(r => r.CaseNumber, StringComparer.Ordinal, ct);
        long applied = 0, duplicates = 0;
        foreach (var report in reports)
        {
            var s = report.Summary;
            if (!rows.TryGetValue(s.CaseNumber, out var row))
            {
                row = new ReportedCase { CaseNumber = s.CaseNumber, CityNode = city };
                db.ReportedCases.Add(row);
                rows[s.CaseNumber] = row;
            }
            else if (row.Version >= report.Version)
            {
                duplicates++;
                continue;
            }

            row.Type = s.Type;
            row.Category = s.Category;
            row.Channel = s.Channel;
            row.Title = s.Title;
            row.MaskedPhone = Masking.Phone(s.MaskedPhone);
            row.Status = s.Status;
            row.LastEvent = report.EventType;
            row.CreatedAt = s.CreatedAt;
            row.Deadline = s.Deadline;
            row.Major = s.Major;
            row.Version = report.Version;
            row.UpdatedAt = report.OccurredAt;
            applied++;
        }

        if (applied > 0)
        {
            await db.IncrementAsync(Counters.Applied, applied, ct);
        }

        if (duplicates > 0)
        {
            await db.IncrementAsync(Counters.Duplicates, duplicates, ct);
        }

        await db.SaveChangesAsync(ct);
    }
}
