using System.Security.Cryptography;
using Hotline.SharedKernel;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Cases.Attach;

/// <summary>A file attached to a case (photo, receipt, recording). 附件</summary>
internal sealed class CaseAttachment
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public string CaseNumber { get; set; } = "";
    public string FileName { get; set; } = "";
    public string ContentType { get; set; } = "";
    public long Size { get; set; }
    public string Sha256 { get; set; } = "";
    public byte[] Content { get; set; } = [];
    public DateTimeOffset UploadedAt { get; set; }
    public string UploadedBy { get; set; } = "";
}

/// <summary>Attach a file to a case.</summary>
internal sealed record AddAttachment(string CaseNumber, string? FileName, string? ContentType, Stream Content, long? DeclaredLength);

/// <summary>The attachment as listed on a case.</summary>
internal sealed record AttachmentInfo(long Id, string FileName, string ContentType, long Size, DateTimeOffset UploadedAt);

/// <summary>
/// Stores an attachment after checking its size, its declared type against the allowed list, and its first bytes
/// against that type (a renamed executable is refused). Nothing is stored when any check fails.
/// </summary>
internal sealed class AddAttachmentHandler(TicketingDbContext db, IOptions<TicketingOptions> options, TimeProvider clock)
{
    private static readonly Dictionary<string, Func<byte[], bool>> Signatures = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = b => b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF,
        ["image/png"] = b => b.Length > 8 && b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47,
        ["application/pdf"] = b => b.Length > 4 && b[0] == 0x25 && b[1] == 0x50 && b[2] == 0x44 && b[3] == 0x46,
        ["audio/wav"] = b => b.Length > 12 && b[0] == 0x52 && b[1] == 0x49 && b[2] == 0x46 && b[3] == 0x46 && b[8] == 0x57 && b[9] == 0x41,
        ["audio/mpeg"] = b => b.Length > 3 && ((b[0] == 0x49 && b[1] == 0x44 && b[2] == 0x33) || (b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)),
        ["video/mp4"] = b => b.Length > 12 && b[4] == 0x66 && b[5] == 0x74 && b[6] == 0x79 && b[7] == 0x70,
    };

    public static IReadOnlyCollection<string> AllowedTypes => Signatures.Keys;

    public async Task<Result<AttachmentInfo>> HandleAsync(AddAttachment command, Actor actor, Func<WorkOrder, bool> mayAttach, CancellationToken ct)
    {
        var max = options.Value.MaxAttachmentBytes;
        var fields = new Dictionary<string, string[]>();
        var type = command.ContentType?.Split(';')[0].Trim() ?? "";
        if (!Signatures.ContainsKey(type))
        {
            fields["file"] = [$"Content type '{type}' is not accepted; send one of {string.Join(", ", Signatures.Keys)}."];
        }

        if (command.DeclaredLength > max)
        {
            fields["file"] = [$"The file is larger than {max / 1024 / 1024} MiB."];
        }

        var name = Path.GetFileName(command.FileName ?? "").Trim();
        if (name.Length is 0 or > 200)
        {
            fields["fileName"] = ["A file name of at most 200 characters is required."];
        }

        if (fields.Count > 0)
        {
            return Error.Validation(fields);
        }

        var content = await ReadCappedAsync(command.Content, max, ct);
        if (content is null)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["file"] = [$"The file is larger than {max / 1024 / 1024} MiB."] });
        }

        if (content.Length == 0 || !Signatures[type](content))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["file"] = [$"The content is not a {type} file."] });
        }

        var now = clock.GetUtcNow();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        var order = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == command.CaseNumber, ct);
        if (order is null || !mayAttach(order))
        {
            return Error.NotFound("case.not_found", $"Case {command.CaseNumber} was not found.");
        }

        if (await db.Attachments.CountAsync(a => a.CaseId == order.Id, ct) >= options.Value.MaxAttachmentsPerCase)
        {
            return Error.Conflict("attachment.limit", $"A case holds at most {options.Value.MaxAttachmentsPerCase} attachments.");
        }

        var attachment = new CaseAttachment
        {
            CaseId = order.Id, CaseNumber = order.CaseNumber, FileName = name, ContentType = type, Size = content.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)), Content = content, UploadedAt = now, UploadedBy = actor.Id,
        };
        db.Attachments.Add(attachment);
        CaseLog.Record(db, order, actor, now, "attachmentAdded", null, null, $"{name} ({type}, {content.Length} B)", false, null);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new AttachmentInfo(attachment.Id, name, type, content.Length, now);
    }

    private static async Task<byte[]?> ReadCappedAsync(Stream stream, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
