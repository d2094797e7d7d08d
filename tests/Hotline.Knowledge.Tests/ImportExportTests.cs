using System.Net.Http.Headers;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace Hotline.Knowledge.Tests;

/// <summary>POST /api/v1/knowledge/import (CONTRACTS.md) and the .docx, .xlsx and Markdown files in and out.</summary>
public sealed class ImportExportTests : IAsyncLifetime
{
    private KnowledgeHost _host = null!;
    private Staff _staff = null!;
    private const string Api = Staff.Api;

    public async Task InitializeAsync()
    {
        _host = await KnowledgeHost.StartAsync();
        _staff = new Staff(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Json_import_is_idempotent_by_code_and_reports_each_refused_row()
    {
        var body = new
        {
            library = "faq",
            publish = true,
            articles = new object[]
            {
                new { code = "IMP-1", title = "轮渡票价", body = "轮渡单程票价5元。", category = "040100", keywords = new[] { "轮渡", "票价" } },
                new { code = "", title = "无编码", body = "x" },
                new { code = "IMP-2", title = "", body = "无标题" },
                new { code = "IMP-3", title = "水上巴士", body = "水上巴士每半小时一班。" },
                new { code = "IMP-1", title = "重复", body = "重复编码" },
            },
        };
        var first = await _staff.Admin.PostAsJsonAsync($"{Api}/import", body).Ok();
        Assert.Equal(2, first.GetProperty("imported").GetInt32());
        var refused = first.GetProperty("refused").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("reason").GetString()!)).ToList();
        Assert.Equal([1, 2, 4], refused.Select(r => r.Item1));
        Assert.Contains("code", refused[0].Item2);
        Assert.Contains("title", refused[1].Item2);
        Assert.Contains("more than once", refused[2].Item2);
        Assert.Equal(["IMP-1"], await _staff.SearchCodesAsync(_staff.Public, "轮渡票价"));

        var again = await _staff.Admin.PostAsJsonAsync($"{Api}/import", body).Ok();
        Assert.Equal(0, again.GetProperty("imported").GetInt32());
        Assert.Equal(2, again.GetProperty("unchanged").GetInt32());
        var list = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles?library=faq");
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());
        var versions = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{list.GetProperty("items")[0].GetProperty("id").GetInt64()}/versions");
        Assert.Equal(1, versions.GetProperty("items").GetArrayLength());

        var changed = await _staff.Admin.PostAsJsonAsync($"{Api}/import", new
        {
            library = "faq",
            publish = true,
            articles = new[] { new { code = "IMP-1", title = "轮渡票价", body = "轮渡单程票价6元。", category = "040100", keywords = new[] { "轮渡", "票价" } } },
        }).Ok();
        Assert.Equal(1, changed.GetProperty("imported").GetInt32());
        var hit = await _staff.Public.GetFromJsonAsync<JsonElement>($"{Api}/search?q=轮渡票价");
        Assert.Contains("6元", hit.GetProperty("items")[0].GetProperty("snippet").GetString());
        Assert.Equal(2, hit.GetProperty("items")[0].GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Json_import_needs_an_editor_or_admin()
    {
        var body = new { library = "faq", publish = true, articles = new[] { new { code = "A", title = "t", body = "b" } } };
        await _staff.Public.PostAsJsonAsync($"{Api}/import", body).Fails(HttpStatusCode.Unauthorized);
        await _staff.Agent.PostAsJsonAsync($"{Api}/import", body).Fails(HttpStatusCode.Forbidden);
        await _staff.Editor.PostAsJsonAsync($"{Api}/import", new { library = "nope", publish = true, articles = body.articles }).Fails(HttpStatusCode.NotFound);
        await _staff.Editor.PostAsJsonAsync($"{Api}/import", body).Ok();
    }

    [Fact]
    public async Task A_docx_built_here_is_imported_with_its_table()
    {
        var docx = Docx(
            ("DOC-1 | 客运站退票规定", ["分类: 010100", "关键词: 退票, 客运站", "开车前2小时以上退票收取5%。"], true),
            ("DOC-2 | 客运站行李规定", ["关键词: 行李", "每位旅客可免费携带20公斤行李。"], false));
        var result = await UploadAsync(docx, "规定.docx", publish: true).Ok();
        Assert.Equal(2, result.GetProperty("imported").GetInt32());
        var hits = await _staff.SearchCodesAsync(_staff.Public, "退票规定");
        Assert.Equal("DOC-1", hits[0]);
        var list = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles?library=faq");
        var doc1 = list.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("code").GetString() == "DOC-1");
        Assert.Equal("010100", doc1.GetProperty("category").GetString());
        Assert.Contains("| 时间 | 费率 |", doc1.GetProperty("body").GetString());
        var view = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{doc1.GetProperty("id").GetInt64()}");
        Assert.Contains("<td>5%</td>", view.GetProperty("html").GetString());
    }

    [Fact]
    public async Task An_xlsx_built_here_is_imported_and_a_bad_row_refused()
    {
        var xlsx = Xlsx(["编码", "标题", "正文", "分类", "关键词"],
            ["XLS-1", "驾培投诉渠道", "对驾校不满可拨打12328。", "010300", "驾校,投诉"],
            ["XLS-2", "", "没有标题的行", "", ""]);
        var result = await UploadAsync(xlsx, "知识.xlsx", publish: true).Ok();
        Assert.Equal(1, result.GetProperty("imported").GetInt32());
        var refused = result.GetProperty("refused")[0];
        Assert.Equal(1, refused.GetProperty("index").GetInt32());
        Assert.Contains("title", refused.GetProperty("reason").GetString());
        Assert.Equal(["XLS-1"], await _staff.SearchCodesAsync(_staff.Public, "驾培投诉渠道"));
    }

    [Theory]
    [InlineData("broken.docx")]
    [InlineData("broken.xlsx")]
    public async Task A_corrupt_file_is_refused_with_the_reason_and_nothing_is_imported(string name)
    {
        var good = name.EndsWith(".docx", StringComparison.Ordinal)
            ? Docx(("BAD-1 | 标题", ["正文"], false))
            : Xlsx(["code", "title", "body"], ["BAD-1", "标题", "正文"]);
        var broken = good[..(good.Length / 2)];
        var refused = await UploadAsync(broken, name, publish: true).Fails(HttpStatusCode.BadRequest);
        Assert.Contains("not a readable", refused.GetProperty("detail").GetString());
        Assert.Contains("nothing was imported", refused.GetProperty("detail").GetString());
        var list = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());

        var headerless = await UploadAsync(Xlsx(["名字", "内容"], ["a", "b"]), "x.xlsx", publish: true).Fails(HttpStatusCode.BadRequest);
        Assert.Contains("code/编码", headerless.GetProperty("detail").GetString());
        var wrongType = await UploadAsync([1, 2, 3], "x.pdf", publish: true).Fails(HttpStatusCode.BadRequest);
        Assert.Contains(".docx, .xlsx or .md", wrongType.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("md")]
    [InlineData("docx")]
    [InlineData("xlsx")]
    public async Task A_library_exported_imports_into_another_node_unchanged(string format)
    {
        await _staff.PublishAsync("EXP-1", "出租车起步价", "起步价10元。\n\n| 项目 | 标准 |\n| --- | --- |\n| 起步价 | 10元 |", keywords: ["起步价", "出租车"]);
        await _staff.PublishAsync("EXP-2", "地铁运营时间", "## 平日\n6:30至23:00。");
        var file = await _staff.Editor.GetAsync($"{Api}/libraries/faq/export?format={format}");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var bytes = await file.Content.ReadAsByteArrayAsync();

        await using var other = await KnowledgeHost.StartAsync(tier: "Provincial");
        var otherStaff = new Staff(other);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(bytes), "file", "faq." + format },
            { new StringContent("faq"), "library" },
            { new StringContent("true"), "publish" },
        };
        var imported = await otherStaff.Editor.PostAsync($"{Api}/import/file", form).Ok();
        Assert.Equal(2, imported.GetProperty("imported").GetInt32());
        var list = await otherStaff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles?library=faq");
        var exp1 = list.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("code").GetString() == "EXP-1");
        Assert.Equal("出租车起步价", exp1.GetProperty("title").GetString());
        Assert.Equal(["起步价", "出租车"], exp1.GetProperty("keywords").EnumerateArray().Select(k => k.GetString()!));
        Assert.Contains("| 起步价 | 10元 |", exp1.GetProperty("body").GetString());
        Assert.Equal(["EXP-1"], await otherStaff.SearchCodesAsync(otherStaff.Public, "出租车起步价"));
    }

    private Task<HttpResponseMessage> UploadAsync(byte[] content, string name, bool publish)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", name);
        form.Add(new StringContent("faq"), "library");
        form.Add(new StringContent(publish ? "true" : "false"), "publish");
        return _staff.Editor.PostAsync($"{Api}/import/file", form);
    }

    private static byte[] Docx(params (string Heading, string[] Lines, bool Table)[] sections)
    {
        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var body = new W.Body();
            foreach (var (heading, lines, table) in sections)
            {
                body.Append(new W.Paragraph(new W.ParagraphProperties(new W.ParagraphStyleId { Val = "Heading1" }), new W.Run(new W.Text(heading))));
                foreach (var line in lines)
                {
                    body.Append(new W.Paragraph(new W.Run(new W.Text(line))));
                }

                if (table)
                {
                    body.Append(new W.Table(
                        new W.TableRow(Cell("时间"), Cell("费率")),
                        new W.TableRow(Cell("开车前2小时以上"), Cell("5%")),
                        new W.TableRow(Cell("开车前2小时内"), Cell("10%"))));
                }
            }

            main.Document = new W.Document(body);
        }

        return ms.ToArray();

        static W.TableCell Cell(string text) => new(new W.Paragraph(new W.Run(new W.Text(text))));
    }

    private static byte[] Xlsx(params string[][] rows)
    {
        using var ms = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(ms, SpreadsheetDocumentType.Workbook))
        {
            var workbook = doc.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var shared = workbook.AddNewPart<SharedStringTablePart>();
            shared.SharedStringTable = new SharedStringTable();
            var sheet = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            var r = 1;
            foreach (var row in rows)
            {
                var cells = row.Select((v, i) =>
                {
                    shared.SharedStringTable.Append(new SharedStringItem(new Text(v)));
                    return new Cell
                    {
                        CellReference = $"{(char)('A' + i)}{r}",
                        DataType = CellValues.SharedString,
                        CellValue = new CellValue(shared.SharedStringTable.Count() - 1),
                    };
                });
                data.Append(new Row(cells) { RowIndex = (uint)r });
                r++;
            }

            sheet.Worksheet = new Worksheet(data);
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(sheet), SheetId = 1, Name = "知识" }));
        }

        return ms.ToArray();
    }
}
