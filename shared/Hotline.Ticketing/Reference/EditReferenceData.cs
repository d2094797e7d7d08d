using System.Text.RegularExpressions;
using Hotline.SharedKernel;
using Hotline.Ticketing.Cases;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Ticketing.Reference;

/// <summary>A row of the category code table as entered. 业务分类</summary>
internal sealed record CategoryInput(string? Code, string? Name, string? Parent);

/// <summary>A row of the SLA table as entered (Id 0 adds a row). 办理时限</summary>
internal sealed record SlaInput(long Id, string? Type, string? Category, string? Priority, int WorkingDays, int Hours);

/// <summary>A routing rule as entered (Id 0 adds a rule). 派单规则</summary>
internal sealed record RouteInput(long Id, string? Category, string? Enterprise, string? Area, string? HandlingUnit, bool IsEnterprise, int Rank);

/// <summary>
/// 基础数据维护: administrators and team leads edit the category codes, the SLA table and the routing rules. Each change is
/// validated (errors name the field), stored with an audit record in one transaction, and the cached reference data is
/// reloaded so new cases use it at once.
/// </summary>
internal sealed partial class ReferenceDataEditor(TicketingDbContext db, ReferenceData reference, TimeProvider clock)
{
    public static bool MayEdit(Actor actor) => actor.Is(HotlineRoles.Administrator) || actor.Is(HotlineRoles.TeamLead);

    public async Task<Result<Unit>> SaveCategoryAsync(CategoryInput input, Actor actor, CancellationToken ct)
    {
        if (!MayEdit(actor))
        {
            return Forbidden();
        }

        var fields = new Dictionary<string, string[]>();
        var code = input.Code?.Trim() ?? "";
        var name = input.Name?.Trim() ?? "";
        var parent = Blank(input.Parent);
        if (!CodePattern().IsMatch(code))
        {
            fields["code"] = ["A category code has 6 digits."];
        }

        if (name.Length is 0 or > 50)
        {
            fields["name"] = ["Required, at most 50 characters."];
        }

        if (parent is not null && (parent == code || !await db.Categories.AnyAsync(c => c.Code == parent, ct)))
        {
            fields["parent"] = [$"'{parent}' is not another existing category code."];
        }

        if (fields.Count > 0)
        {
            return Error.Validation(fields);
        }

        return await WriteAsync(actor, "reference.category.save", $"{code} {name} ← {parent}", async () =>
        {
            var row = await db.Categories.FirstOrDefaultAsync(c => c.Code == code, ct);
            if (row is null)
            {
                db.Categories.Add(new CategoryCode { Code = code, Name = name, Parent = parent });
            }
            else
            {
                row.Name = name;
                row.Parent = parent;
            }

            return null;
        }, ct);
    }

    public async Task<Result<Unit>> DeleteCategoryAsync(string code, Actor actor, CancellationToken ct)
    {
        if (!MayEdit(actor))
        {
            return Forbidden();
        }

        return await WriteAsync(actor, "reference.category.delete", code, async () =>
        {
            var row = await db.Categories.FirstOrDefaultAsync(c => c.Code == code, ct);
            if (row is null)
            {
                return Error.NotFound("category.not_found", $"There is no category {code}.");
            }

            if (await db.Categories.AnyAsync(c => c.Parent == code, ct))
            {
                return Error.Conflict("category.in_use", $"Category {code} has sub-categories; delete or move them first.");
            }

            db.Categories.Remove(row);
            return null;
        }, ct);
    }

    public async Task<Result<Unit>> SaveSlaAsync(SlaInput input, Actor actor, CancellationToken ct)
    {
        if (!MayEdit(actor))
        {
            return Forbidden();
        }

        var fields = new Dictionary<string, string[]>();
        if (!JsonNames.TryParse<CaseType>(input.Type, out var type))
        {
            fields["type"] = ["Must be complaint, report, inquiry, suggestion, help or praise."];
        }

        if (!JsonNames.TryParse<CasePriority>(input.Priority, out var priority))
        {
            fields["priority"] = ["Must be normal or urgent."];
        }

        var category = Blank(input.Category);
        if (category is not null && !PrefixPattern().IsMatch(category))
        {
            fields["category"] = ["A category code or its prefix: 2 to 6 digits, or empty for every category."];
        }

        if (input.WorkingDays is < 0 or > 60)
        {
            fields["workingDays"] = ["From 0 to 60 working days."];
        }

        if (input.Hours is < 0 or > 720)
        {
            fields["hours"] = ["From 0 to 720 hours."];
        }
        else if ((input.WorkingDays > 0) == (input.Hours > 0))
        {
            fields["hours"] = ["Give either working days or hours (exactly one of them above 0)."];
        }

        if (fields.Count > 0)
        {
            return Error.Validation(fields);
        }

        return await WriteAsync(actor, "reference.sla.save", $"{type} {category ?? "*"} {priority}: {input.WorkingDays} d / {input.Hours} h", async () =>
        {
            var row = input.Id == 0 ? null : await db.SlaRules.FirstOrDefaultAsync(r => r.Id == input.Id, ct);
            if (input.Id != 0 && row is null)
            {
                return Error.NotFound("sla.not_found", $"There is no SLA row {input.Id}.");
            }

            var duplicate = await db.SlaRules.AnyAsync(r => r.Id != input.Id && r.Type == type && r.Category == category && r.Priority == priority, ct);
            if (duplicate)
            {
                return Error.Validation(new Dictionary<string, string[]>
                {
                    ["category"] = ["There is already a row for this type, category and priority; edit that one."],
                });
            }

            row ??= db.SlaRules.Add(new SlaRule()).Entity;
            (row.Type, row.Category, row.Priority, row.WorkingDays, row.Hours) = (type, category, priority, input.WorkingDays, input.Hours);
            return null;
        }, ct);
    }

    public async Task<Result<Unit>> DeleteSlaAsync(long id, Actor actor, CancellationToken ct)
    {
        if (!MayEdit(actor))
        {
            return Forbidden();
        }

        return await WriteAsync(actor, "reference.sla.delete", id.ToString(System.Globalization.CultureInfo.InvariantCulture), async () =>
        {
            var row = await db.SlaRules.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (row is null)
            {
                return Error.NotFound("sla.not_found", $"There is no SLA row {id}.");
            }

            if (row.Category is null && row.Priority == CasePriority.Normal)
            {
                return Error.Conflict("sla.default", "The default row of a type (every category, normal priority) cannot be deleted; change it instead.");
            }

            db.SlaRules.Remove(row);
            return null;
        }, ct);
    }

    public async Task<Result<Unit>> SaveRouteAsync(RouteInput input, Actor actor, CancellationToken ct)
    {
        if (!MayEdit(actor))
        {
            return Forbidden();
        }

        var fields = new Dictionary<string, string[]>();
        var category = Blank(input.Category);
        var enterprise = Blank(input.Enterprise);
        var area = Blank(input.Area);
        var unit = Blank(input.HandlingUnit);
        if (category is not null && !PrefixPattern().IsMatch(category))
        {
            fields["category"] = ["A category code or its prefix: 2 to 6 digits, or empty."];
        }

        if (enterprise is { Length: > 100 })
        {
            fields["enterprise"] = ["At most 100 characters."];
        }

        if (area is { Length: > 50 })
        {
            fields["area"] = ["At most 50 characters."];
        }

        if (unit is null || unit.Length > 100)
        {
            fields["handlingUnit"] = ["Required, at most 100 characters."];
        }

        if (input.Rank is < 0 or > 100_000)
        {
            fields["rank"] = ["From 0 to 100000 (lower ranks are tried first)."];
        }

        if (fields.Count > 0)
        {
            return Error.Validation(fields);
        }

        return await WriteAsync(actor, "reference.route.save", $"{category ?? "*"}/{enterprise ?? "*"}/{area ?? "*"} → {unit} (rank {input.Rank})", async () =>
        {
            var row = input.Id == 0 ? null : await db.RoutingRules.FirstOrDefaultAsync(r => r.Id == input.Id, ct);
            if (input.Id != 0 && row is null)
            {
                return Error.NotFound("route.not_found", $"There is no routing rule {input.Id}.");
            }

            row ??= db.RoutingRules.Add(new RoutingRule()).Entity;
            (row.Category, row.Enterprise, row.Area, row.HandlingUnit, row.IsEnterprise, row.Rank) =
                (category, enterprise, area, unit!, input.IsEnterprise, input.Rank);
            return null;
        }, ct);
    }

    public async Task<Result<Unit>> DeleteRouteAsync(long id, Actor actor, CancellationToken ct)
    {
        if (!MayEdit(actor))
        {
            return Forbidden();
        }

        return await WriteAsync(actor, "reference.route.delete", id.ToString(System.Globalization.CultureInfo.InvariantCulture), async () =>
        {
            var row = await db.RoutingRules.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (row is null)
            {
                return Error.NotFound("route.not_found", $"There is no routing rule {id}.");
            }

            db.RoutingRules.Remove(row);
            return null;
        }, ct);
    }

    /// <summary>Runs one change with its audit record in a transaction behind the writer gate, then reloads the cache.</summary>
    private async Task<Result<Unit>> WriteAsync(Actor actor, string action, string detail, Func<Task<Error?>> change, CancellationToken ct)
    {
        await using (var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct))
        {
            var error = await change();
            if (error is not null)
            {
                return error;
            }

            CaseLog.Audit(db, actor, clock.GetUtcNow(), action, null, detail);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        reference.Invalidate();
        return Result.Ok();
    }

    private static Error Forbidden() => Error.Forbidden("reference.forbidden", "Only administrators and team leads edit the reference tables.");

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[0-9]{2,6}$")]
    private static partial Regex PrefixPattern();
}
