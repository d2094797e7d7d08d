using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Api;

/// <summary>
/// Reads a case-creation body leniently so that every bad field is named (a typed binder would stop at the first
/// type mismatch with an anonymous 400).
/// </summary>
internal static class CaseRequests
{
    private static readonly string[] PublicFields = ["type", "category", "description", "phone", "name", "enterprise", "occurredAt", "location"];

    /// <summary>
    /// Reads every field; bad ones are named in <c>Errors</c> and left at a default in the command, so the caller can run
    /// the business validation too and name every bad field in one answer.
    /// </summary>
    public static (AcceptCase Command, AcceptExtras Extras, Dictionary<string, string[]> Errors) Read(JsonObject? body, bool staff)
    {
        var errors = new Dictionary<string, string[]>();
        if (body is null)
        {
            errors["body"] = ["A JSON object is required."];
            return (new AcceptCase(CaseChannel.Web, CaseType.Complaint, ""), new AcceptExtras(), errors);
        }

        string? Str(string field)
        {
            if (!body.TryGetPropertyValue(field, out var node) || node is null)
            {
                return null;
            }

            if (node.GetValueKind() != JsonValueKind.String)
            {
                errors[field] = ["Must be a string."];
                return null;
            }

            return node.GetValue<string>();
        }

        bool Bool(string field)
        {
            if (!body.TryGetPropertyValue(field, out var node) || node is null)
            {
                return false;
            }

            if (node.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors[field] = ["Must be true or false."];
                return false;
            }

            return node.GetValue<bool>();
        }

        var typeText = Str("type");
        var type = CaseType.Complaint;
        if (typeText is null)
        {
            errors.TryAdd("type", ["Required: complaint, report, inquiry, suggestion, help or praise."]);
        }
        else if (!JsonNames.TryParse(typeText, out type))
        {
            errors["type"] = [$"'{typeText}' is not one of complaint, report, inquiry, suggestion, help, praise."];
        }

        var description = Str("description");
        if (description is null)
        {
            errors.TryAdd("description", ["Required."]);
        }

        DateTimeOffset? occurredAt = null;
        var occurredText = Str("occurredAt");
        if (occurredText is not null)
        {
            if (DateTimeOffset.TryParse(occurredText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                occurredAt = at;
            }
            else
            {
                errors["occurredAt"] = ["Not a date/time (ISO 8601)."];
            }
        }

        var channel = CaseChannel.Web;
        var priority = CasePriority.Normal;
        if (staff)
        {
            var channelText = Str("channel");
            if (channelText is not null && !JsonNames.TryParse(channelText, out channel))
            {
                errors["channel"] = [$"'{channelText}' is not a channel."];
            }
            else if (channelText is null)
            {
                channel = CaseChannel.Phone;
            }

            var priorityText = Str("priority");
            if (priorityText is not null && !JsonNames.TryParse(priorityText, out priority))
            {
                errors["priority"] = ["Must be normal or urgent."];
            }
        }

        var command = new AcceptCase(channel, type, description ?? "", Str("category"), Str("phone"), Str("name"),
            staff && Bool("confidential"), Str("enterprise"), Str("location"), occurredAt, null, null, staff ? Str("recordingId") : null);
        var extras = new AcceptExtras(priority, staff ? Str("plate") : null, staff && Bool("major"), staff ? Str("majorReason") : null);
        return (command, extras, errors);
    }

    /// <summary>The JSON field names of the public contract, for documentation.</summary>
    public static IReadOnlyList<string> PublicFieldNames => PublicFields;
}

/// <summary>The body of a staff action (fields as the action needs them).</summary>
internal sealed record ActionRequest(string? Unit = null, bool UnitIsEnterprise = false, string? Reason = null, string? Text = null,
    string? Satisfaction = null, int? Days = null, string? TargetNode = null, string? MasterCaseNumber = null, bool DiscloseToEnterprise = false);

/// <summary>The body of 重大投诉 / 催办 / 督办.</summary>
internal sealed record NoteRequest(string? Reason = null, string? Text = null);

/// <summary>Reads the body of <c>POST /api/v1/cases/import</c> row by row, so a wrongly typed value refuses only its row.</summary>
internal static class ImportRequests
{
    private static readonly string[] Fields =
        ["externalId", "type", "category", "channel", "description", "phone", "acceptedAt", "closedAt", "status", "satisfaction", "enterprise", "location"];

    /// <summary>The rows (null where a row is not an object) and the refusals of values that are not text; or a body error.</summary>
    public static Result<(List<HistoricalCase?> Rows, List<CaseImportRefusal> Refused)> Read(JsonObject? body)
    {
        if (body is null || !body.TryGetPropertyValue("cases", out var node) || node is not JsonArray array)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["cases"] = ["Required: an array of cases."] });
        }

        var rows = new List<HistoricalCase?>(array.Count);
        var refused = new List<CaseImportRefusal>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject row)
            {
                rows.Add(null);
                continue;
            }

            var values = new string?[Fields.Length];
            var bad = false;
            for (var f = 0; f < Fields.Length; f++)
            {
                if (!row.TryGetPropertyValue(Fields[f], out var value) || value is null)
                {
                    continue;
                }

                if (value.GetValueKind() == JsonValueKind.String)
                {
                    values[f] = value.GetValue<string>();
                }
                else if (Fields[f] == "externalId" && value.GetValueKind() == JsonValueKind.Number)
                {
                    values[f] = value.ToJsonString();
                }
                else
                {
                    refused.Add(new CaseImportRefusal(i, Fields[f], "Must be a string."));
                    bad = true;
                }
            }

            rows.Add(bad ? null : new HistoricalCase(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
                values[8], values[9], values[10], values[11]));
        }

        return (rows, refused);
    }
}
