using Hotline.Knowledge.Articles.Reading;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Import;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Hotline.Knowledge.Pages.Staff.Knowledge;

/// <summary>导入导出: a .docx, .xlsx or Markdown file into a library (a corrupt file is refused whole), a library out as a file.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class ImportModel(KnowledgeReader reader, ArticleImporter importer, IOptions<KnowledgeOptions> options) : KnowledgePage
{
    public IReadOnlyList<Library> Libraries { get; private set; } = [];
    public ImportOutcome? Outcome { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Libraries = await reader.LibrariesAsync(Actor, ct);

    public async Task<IActionResult> OnPostAsync(IFormFile? file, string? library, bool publish, CancellationToken ct)
    {
        Libraries = await reader.LibrariesAsync(Actor, ct);
        if (file is null || file.Length == 0 || file.Length > options.Value.MaxImportBytes)
        {
            Fail(Error.Validation(new Dictionary<string, string[]> { ["file"] = [$"Attach a .docx, .xlsx or .md file of at most {options.Value.MaxImportBytes} bytes."] }));
            return Page();
        }

        await using var stream = file.OpenReadStream();
        var parsed = DocumentFormats.Read(file.FileName, stream);
        if (!parsed.IsSuccess)
        {
            Fail(parsed.Error!);
            return Page();
        }

        var result = await importer.ImportAsync(library, publish, parsed.Value, Actor, options.Value.MaxImportArticles, ct);
        if (result.IsSuccess)
        {
            Outcome = result.Value;
        }
        else
        {
            Fail(result.Error!);
        }

        return Page();
    }
}
