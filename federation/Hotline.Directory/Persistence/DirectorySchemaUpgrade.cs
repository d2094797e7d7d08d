using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Hotline.Directory.Persistence;

/// <summary>
/// The directory's migration mechanism. The store is created from the model (<c>EnsureCreated</c>), which never
/// touches a table that already exists; columns added to the model later (<see cref="DirectoryEntry.GrpcUrl"/>) are
/// added here at start: each mapped column the table lacks is added as a nullable column of the model's store type,
/// on SQLite (after reading <c>pragma_table_info</c>) and PostgreSQL (<c>ADD COLUMN IF NOT EXISTS</c>, safe when two
/// nodes of one database start together). Idempotent: nothing happens once the table matches. Only additive, nullable
/// columns evolve this way; anything else needs a real migration step (ADR-010's runner).
/// </summary>
internal static class DirectorySchemaUpgrade
{
    public static async Task AddMissingColumnsAsync(DirectoryDbContext db, CancellationToken cancellationToken)
    {
        var entity = db.Model.FindEntityType(typeof(DirectoryEntry))!;
        var table = entity.GetTableName()!;
        var schema = entity.GetSchema();
        var store = StoreObjectIdentifier.Table(table, schema);
        var sqlite = db.Database.IsSqlite();
        var existing = (sqlite
                ? await db.Database.SqlQuery<string>($"select name as \"Value\" from pragma_table_info({table})").ToListAsync(cancellationToken)
                : await db.Database.SqlQuery<string>(
                        $"select column_name::text as \"Value\" from information_schema.columns where table_schema = {schema ?? "public"} and table_name = {table}")
                    .ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var property in entity.GetProperties())
        {
            var column = property.GetColumnName(store);
            if (column is null || existing.Contains(column))
            {
                continue;
            }

            if (!property.IsColumnNullable(store))
            {
                throw new InvalidOperationException(
                    $"Directory store: column {column} is missing and not nullable; it needs a migration step, not an added column.");
            }

            var type = property.GetColumnType(store);
            var qualified = schema is null ? Quote(table) : $"{Quote(schema)}.{Quote(table)}";
            var ifMissing = sqlite ? string.Empty : "if not exists ";
#pragma warning disable EF1002 // identifiers come from the EF model, never from input
            await db.Database.ExecuteSqlRawAsync($"alter table {qualified} add column {ifMissing}{Quote(column)} {type} null", cancellationToken);
#pragma warning restore EF1002
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
