using System.Globalization;
using System.IO.Packaging;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Wordprocessing;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using W = DocumentFormat.OpenXml.Wordprocessing;
using X = DocumentFormat.OpenXml.Spreadsheet;

namespace Hotline.Knowledge.Import;

/// <summary>An export file.</summary>
internal sealed record ExportFile(byte[] Content, string ContentType, string FileName);

/// <summary>
/// Word (.docx), Excel (.xlsx) and Markdown (.md) in and out. Word and Markdown: one section per article headed
/// <c>CODE | Title</c> (a Heading 1 paragraph in Word, <c>## </c> in Markdown), then the lines <c>分类:</c> and
/// <c>关键词:</c>, then the body (Word tables become Markdown tables). Excel: the first sheet, a header row naming the
/// columns code, title, body, category, keywords (or 编码, 标题, 正文, 分类, 关键词). A file that cannot be read is
/// refused whole, with the reason.
/// </summary>
internal static partial class DocumentFormats
{
    public const string DocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private static readonly string[] CodeHeaders = ["code", "编码", "编号"];
    private static readonly string[] TitleHeaders = ["title", "标题"];
    private static readonly string[] BodyHeaders = ["body", "正文", "内容"];
    private static readonly string[] CategoryHeaders = ["category", "分类"];
    private static readonly string[] KeywordHeaders = ["keywords", "关键词"];

    public static Result<IReadOnlyList<ImportArticle>> Read(string? fileName, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ext = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        buffer.Position = 0;
        try
        {
            var articles = ext switch
            {
                ".docx" => ReadDocx(buffer),
                ".xlsx" => ReadXlsx(buffer),
                ".md" or ".markdown" or ".txt" => ReadMarkdown(buffer.ToArray()),
                _ => throw new FormatRefusal($"'{fileName}' is not a .docx, .xlsx or .md file."),
            };
            return articles.Count == 0
                ? Error.Invalid("knowledge.file", $"'{fileName}' holds no article: each needs a heading 'CODE | Title'{(ext == ".xlsx" ? " (a row under the header)" : "")}.")
                : Result<IReadOnlyList<ImportArticle>>.Success(articles);
        }
        catch (FormatRefusal refusal)
        {
            return Error.Invalid("knowledge.file", refusal.Message);
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or FileFormatException or InvalidDataException or XmlException
            or InvalidOperationException or IOException or ArgumentException)
        {
            return Error.Invalid("knowledge.file", $"'{fileName}' is not a readable {ext} file ({ex.GetType().Name}: {ex.Message}); nothing was imported.");
        }
    }

    public static Result<ExportFile> Write(string? format, string library, IReadOnlyList<Article> articles)
    {
        ArgumentNullException.ThrowIfNull(articles);
        var stamp = library + "-" + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return (format ?? "md").ToLowerInvariant() switch
        {
            "docx" => new ExportFile(WriteDocx(articles), DocxType, stamp + ".docx"),
            "xlsx" => new ExportFile(WriteXlsx(articles), XlsxType, stamp + ".xlsx"),
            "md" or "markdown" => new ExportFile(Encoding.UTF8.GetBytes(WriteMarkdown(library, articles)), "text/markdown; charset=utf-8", stamp + ".md"),
            _ => Error.Validation(new Dictionary<string, string[]> { ["format"] = [$"'{format}' is not one of docx, xlsx, md."] }),
        };
    }

    // ---- Markdown ----

    internal static string WriteMarkdown(string library, IEnumerable<Article> articles)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(library).Append("\n\n");
        foreach (var a in articles)
        {
            sb.Append("## ").Append(a.Code).Append(" | ").Append(a.Title).Append('\n');
            sb.Append("分类: ").Append(a.Category).Append('\n');
            sb.Append("关键词: ").Append(string.Join(", ", a.KeywordList)).Append("\n\n");
            foreach (var line in a.Body.Split('\n'))
            {
                // A level-2 heading in a body would start a new article on import: keep it one level down.
                sb.Append(line.StartsWith("## ", StringComparison.Ordinal) ? "#" + line : line).Append('\n');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static List<ImportArticle> ReadMarkdown(byte[] bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatRefusal("The Markdown file is not UTF-8 text; nothing was imported.");
        }

        var sections = new List<(string Heading, List<string> Lines)>();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections.Add((line[3..].Trim(), []));
            }
            else if (sections.Count > 0)
            {
                sections[^1].Lines.Add(line);
            }
        }

        return [.. sections.Select(s => FromSection(s.Heading, s.Lines))];
    }

    private static ImportArticle FromSection(string heading, List<string> lines)
    {
        var m = Heading().Match(heading);
        var (code, title) = m.Success ? (m.Groups[1].Value, m.Groups[2].Value.Trim()) : ((string?)null, heading);
        string? category = null;
        var keywords = new List<string>();
        var body = new List<string>();
        foreach (var line in lines)
        {
            if (body.Count == 0 && Field(line, "分类", "category") is { } c)
            {
                category = c.Length == 0 ? null : c;
            }
            else if (body.Count == 0 && Field(line, "关键词", "keywords") is { } k)
            {
                keywords.AddRange(Article.Split(k));
            }
            else if (body.Count > 0 || line.Trim().Length > 0)
            {
                body.Add(line);
            }
        }

        return new ImportArticle(code, title, string.Join('\n', body).Trim(), category, keywords);
    }

    private static string? Field(string line, string zh, string en)
    {
        foreach (var name in new[] { zh, en })
        {
            foreach (var colon in new[] { ":", "：" })
            {
                if (line.StartsWith(name + colon, StringComparison.OrdinalIgnoreCase))
                {
                    return line[(name.Length + colon.Length)..].Trim();
                }
            }
        }

        return null;
    }

    // ---- Word ----

    private static List<ImportArticle> ReadDocx(Stream stream)
    {
        using var doc = WordprocessingDocument.Open(stream, false);
        var body = doc.MainDocumentPart?.Document?.Body ?? throw new FormatRefusal("The .docx has no document body; nothing was imported.");
        var sections = new List<(string Heading, List<string> Lines)>();
        foreach (var element in body.Elements())
        {
            if (element is W.Paragraph p)
            {
                var text = p.InnerText;
                var style = p.ParagraphProperties?.ParagraphStyleId?.Val?.Value ?? "";
                var isHeading = style.StartsWith("Heading", StringComparison.OrdinalIgnoreCase) || style == "1" || Heading().IsMatch(text);
                if (isHeading && Heading().IsMatch(text.Trim()))
                {
                    sections.Add((text.Trim(), []));
                }
                else if (sections.Count > 0)
                {
                    sections[^1].Lines.Add(text);
                }
            }
            else if (element is W.Table table && sections.Count > 0)
            {
                sections[^1].Lines.AddRange(TableToMarkdown(table));
            }
        }

        return [.. sections.Select(s => FromSection(s.Heading, s.Lines))];
    }

    private static IEnumerable<string> TableToMarkdown(W.Table table)
    {
        var rows = table.Elements<W.TableRow>()
            .Select(r => r.Elements<W.TableCell>().Select(c => c.InnerText.Replace("|", "\\|", StringComparison.Ordinal).Trim()).ToList())
            .ToList();
        if (rows.Count == 0)
        {
            yield break;
        }

        yield return "";
        yield return "| " + string.Join(" | ", rows[0]) + " |";
        yield return "| " + string.Join(" | ", rows[0].Select(_ => "---")) + " |";
        foreach (var row in rows.Skip(1))
        {
            yield return "| " + string.Join(" | ", row) + " |";
        }

        yield return "";
    }

    private static byte[] WriteDocx(IReadOnlyList<Article> articles)
    {
        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var styles = main.AddNewPart<StyleDefinitionsPart>();
            styles.Styles = new Styles(new Style(new StyleName { Val = "heading 1" }, new StyleRunProperties(new W.Bold(), new W.FontSize { Val = "32" }))
            {
                Type = StyleValues.Paragraph,
                StyleId = "Heading1",
            });
            var body = new Body();
            foreach (var a in articles)
            {
                body.Append(new W.Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = "Heading1" }), new W.Run(new W.Text($"{a.Code} | {a.Title}"))));
                body.Append(Para("分类: " + a.Category));
                body.Append(Para("关键词: " + string.Join(", ", a.KeywordList)));
                foreach (var line in a.Body.Split('\n'))
                {
                    body.Append(Para(line));
                }
            }

            main.Document = new Document(body);
        }

        return ms.ToArray();
    }

    private static W.Paragraph Para(string text) => new(new W.Run(new W.Text(text) { Space = SpaceProcessingModeValues.Preserve }));

    // ---- Excel ----

    private static List<ImportArticle> ReadXlsx(Stream stream)
    {
        using var doc = SpreadsheetDocument.Open(stream, false);
        var workbook = doc.WorkbookPart ?? throw new FormatRefusal("The .xlsx has no workbook; nothing was imported.");
        var sheet = workbook.Workbook?.Sheets?.Elements<X.Sheet>().FirstOrDefault() ?? throw new FormatRefusal("The .xlsx has no sheet; nothing was imported.");
        var part = (WorksheetPart)workbook.GetPartById(sheet.Id!.Value!);
        var shared = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(s => s.InnerText).ToArray() ?? [];
        var rows = part.Worksheet?.GetFirstChild<SheetData>()?.Elements<Row>().ToList() ?? [];
        if (rows.Count == 0)
        {
            throw new FormatRefusal("The first sheet is empty; nothing was imported.");
        }

        var header = Cells(rows[0], shared);
        int Column(string[] names)
        {
            foreach (var (col, name) in header)
            {
                if (names.Contains(name.Trim().ToLowerInvariant()))
                {
                    return col;
                }
            }

            return -1;
        }

        var code = Column(CodeHeaders);
        var title = Column(TitleHeaders);
        var bodyCol = Column(BodyHeaders);
        var missing = new List<string>();
        if (code < 0)
        {
            missing.Add("code/编码");
        }

        if (title < 0)
        {
            missing.Add("title/标题");
        }

        if (bodyCol < 0)
        {
            missing.Add("body/正文");
        }

        if (missing.Count > 0)
        {
            throw new FormatRefusal($"The header row lacks the column(s) {string.Join(", ", missing)}; nothing was imported.");
        }

        var category = Column(CategoryHeaders);
        var keywords = Column(KeywordHeaders);
        var result = new List<ImportArticle>();
        foreach (var row in rows.Skip(1))
        {
            var cells = Cells(row, shared);
            if (cells.Values.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            string? Get(int col) => col >= 0 && cells.TryGetValue(col, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
            result.Add(new ImportArticle(Get(code), Get(title), Get(bodyCol), Get(category), Article.Split(Get(keywords))));
        }

        return result;
    }

    private static Dictionary<int, string> Cells(Row row, string[] shared)
    {
        var result = new Dictionary<int, string>();
        var next = 0;
        foreach (var cell in row.Elements<X.Cell>())
        {
            var col = cell.CellReference?.Value is { } r ? ColumnIndex(r) : next;
            next = col + 1;
            string value;
            if (cell.DataType?.Value == CellValues.SharedString)
            {
                var i = int.Parse(cell.CellValue?.Text ?? "-1", CultureInfo.InvariantCulture);
                value = i >= 0 && i < shared.Length ? shared[i] : throw new FormatRefusal($"Cell {cell.CellReference} points to a missing shared string; nothing was imported.");
            }
            else if (cell.DataType?.Value == CellValues.InlineString)
            {
                value = cell.InlineString?.InnerText ?? "";
            }
            else
            {
                value = cell.CellValue?.Text ?? "";
            }

            result[col] = value;
        }

        return result;
    }

    private static int ColumnIndex(string reference)
    {
        var n = 0;
        foreach (var c in reference.TakeWhile(char.IsLetter))
        {
            n = (n * 26) + (char.ToUpperInvariant(c) - 'A' + 1);
        }

        return n - 1;
    }

    private static byte[] WriteXlsx(IReadOnlyList<Article> articles)
    {
        using var ms = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(ms, SpreadsheetDocumentType.Workbook))
        {
            var workbook = doc.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var sheetPart = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            data.Append(TextRow("code", "title", "body", "category", "keywords", "status", "version"));
            foreach (var a in articles)
            {
                data.Append(TextRow(a.Code, a.Title, a.Body, a.Category ?? "", string.Join(", ", a.KeywordList), ArticleLifecycle.Json(a.Status),
                    a.LiveVersion?.ToString(CultureInfo.InvariantCulture) ?? ""));
            }

            sheetPart.Worksheet = new Worksheet(data);
            workbook.Workbook.AppendChild(new Sheets(new X.Sheet { Id = workbook.GetIdOfPart(sheetPart), SheetId = 1, Name = "articles" }));
        }

        return ms.ToArray();
    }

    internal static Row TextRow(params string[] values) =>
        new(values.Select(v => new X.Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new X.Text(v)) }));

    [GeneratedRegex(@"^([A-Za-z0-9][A-Za-z0-9_.-]{0,39})\s*[|｜]\s*(.+)$")]
    private static partial Regex Heading();

    private sealed class FormatRefusal(string message) : Exception(message);
}
