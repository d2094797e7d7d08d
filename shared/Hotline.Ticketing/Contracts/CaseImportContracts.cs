using Hotline.SharedKernel;

namespace Hotline.Ticketing;

/// <summary>
/// One historical case to import (历史工单导入), as the migration file or the JSON body gives it: every value is text so
/// that a bad one can be named instead of failing the whole request. <c>AcceptedAt</c>/<c>ClosedAt</c> are ISO 8601
/// (without an offset they are China time); <c>Status</c> is archived|closed|open; <c>Satisfaction</c>
/// satisfied|basic|dissatisfied. <c>Enterprise</c> and <c>Location</c> are optional extras beyond the contract.
/// </summary>
public sealed record HistoricalCase(string? ExternalId, string? Type, string? Category, string? Channel, string? Description,
    string? Phone, string? AcceptedAt, string? ClosedAt, string? Status, string? Satisfaction, string? Enterprise = null,
    string? Location = null);

/// <summary>Why one row of an import was refused: its position in the request, the field and the reason.</summary>
public sealed record CaseImportRefusal(int Index, string Field, string Reason);

/// <summary>
/// What an import did: cases stored now, rows already imported before with the same content, and the refusals (one per
/// bad field; a refused row stores nothing).
/// </summary>
public sealed record CaseImportResult(int Imported, int Unchanged, IReadOnlyList<CaseImportRefusal> Refused);

/// <summary>
/// Imports a city's case history (operations, migration from the previous system). Idempotent by
/// <see cref="HistoricalCase.ExternalId"/>; good rows are stored even when others are refused; each stored row is a whole
/// ordinary case (number, timeline, feed entry reported upward, audit) dated by its own acceptance time.
/// </summary>
public interface ICaseHistoryImport
{
    /// <summary>At most <see cref="MaxRows"/> rows per call; <paramref name="importedBy"/> is recorded in the audit trail.</summary>
    Task<Result<CaseImportResult>> ImportAsync(IReadOnlyList<HistoricalCase> cases, string importedBy, CancellationToken ct);

    /// <summary>The largest batch one call takes.</summary>
    const int MaxRows = 20_000;
}

