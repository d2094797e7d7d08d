namespace Hotline.Ticketing.Duplicates;

/// <summary>A likely duplicate: the other case and a score from 0 (unrelated) to 1 (the same incident).</summary>
public sealed record DuplicateMatch(string CaseNumber, double Score);

/// <summary>
/// The in-memory index behind 查重并案. Cases are documents: their SmartCn words, the caller's phone, and the incident's
/// entities (plate, bus route, metro line, enterprise). A lookup narrows candidates through inverted posting lists,
/// newest first and only inside the time window, so its cost follows the number of recent cases sharing a rare word —
/// not the size of the store — then scores each candidate exactly. The wording alone does not decide: a year of a
/// city's history holds many reports that read alike (another taxi refusing fares at the same station, another bus
/// passing the same stop), so what identifies an incident weighs in:
/// <list type="bullet">
/// <item>time: the text's weight fades for cases more than a day apart (<see cref="TimeFactor"/>), less for reports
/// naming the same vehicle;</item>
/// <item>conflict: two reports naming different plates, routes or metro lines are different incidents, whatever their
/// wording or who called (the text's and the caller's weight are cut);</item>
/// <item>agreement: the same plate counts at any distance, but not alone (one taxi draws complaints about different
/// things); the same route or metro line medium and the same enterprise weaker (a large company has many incidents),
/// both fading with time like the text; the same caller alone is never enough (people call about more than one thing).</item>
/// </list>
/// score = 1 − (1 − 0.85·text·time·conflict)(1 − 0.25·samePhone·conflict)(1 − 0.25·samePlate)(1 − 0.35·time·sameRoute)
/// (1 − 0.25·time·sameEnterprise).
/// Thread-safe: many readers, one writer.
/// </summary>
internal sealed class DuplicateIndex
{
    private const int MaxPostingsPerTerm = 20_000;
    private const int MaxTextCandidates = 2000;
    private const int MaxKeyCandidates = 200;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _vocabulary = new(StringComparer.Ordinal);
    private readonly List<List<int>> _postings = [];
    private readonly Dictionary<string, List<int>> _keyPostings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byCaseNumber = new(StringComparer.Ordinal);
    private readonly List<string> _caseNumbers = [];
    private readonly List<long> _acceptedMs = [];
    private readonly List<int[]> _terms = [];
    private readonly List<string?> _phones = [];
    private readonly List<string[]> _entities = [];
    private readonly List<bool> _hidden = [];

    [ThreadStatic]
    private static float[]? _scratch;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _caseNumbers.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds (or replaces nothing if present) one case.</summary>
    public void Add(string caseNumber, DateTimeOffset acceptedAt, string? phone, string[] entities, string[] words)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_byCaseNumber.ContainsKey(caseNumber))
            {
                return;
            }

            var doc = _caseNumbers.Count;
            _byCaseNumber[caseNumber] = doc;
            _caseNumbers.Add(caseNumber);
            _acceptedMs.Add(acceptedAt.ToUnixTimeMilliseconds());
            var ids = new int[words.Length];
            for (var i = 0; i < words.Length; i++)
            {
                if (!_vocabulary.TryGetValue(words[i], out var id))
                {
                    id = _postings.Count;
                    _vocabulary[words[i]] = id;
                    _postings.Add([]);
                }

                ids[i] = id;
                _postings[id].Add(doc);
            }

            Array.Sort(ids);
            _terms.Add(ids);
            var normalizedPhone = NormalizePhone(phone);
            _phones.Add(normalizedPhone);
            _entities.Add(entities);
            _hidden.Add(false);
            if (normalizedPhone is not null)
            {
                KeyPostings("tel:" + normalizedPhone).Add(doc);
            }

            foreach (var e in entities)
            {
                KeyPostings(e).Add(doc);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Hides a case from results (merged into another) or shows it again (un-merged).</summary>
    public void SetHidden(string caseNumber, bool hidden)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_byCaseNumber.TryGetValue(caseNumber, out var doc))
            {
                _hidden[doc] = hidden;
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Likely duplicates of an indexed case, best first.</summary>
    public IReadOnlyList<DuplicateMatch> FindFor(string caseNumber, TimeSpan window, double threshold, int max)
    {
        _lock.EnterReadLock();
        try
        {
            if (!_byCaseNumber.TryGetValue(caseNumber, out var doc))
            {
                return [];
            }

            var words = _terms[doc];
            return Search(words, _phones[doc], _entities[doc], DateTimeOffset.FromUnixTimeMilliseconds(_acceptedMs[doc]), window, threshold, max, doc);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Likely duplicates of a case not (yet) in the index, best first.</summary>
    public IReadOnlyList<DuplicateMatch> Find(string? phone, string[] entities, string[] words, DateTimeOffset at, TimeSpan window,
        double threshold, int max)
    {
        _lock.EnterReadLock();
        try
        {
            var ids = new List<int>(words.Length);
            foreach (var w in words)
            {
                if (_vocabulary.TryGetValue(w, out var id))
                {
                    ids.Add(id);
                }
            }

            // Words never seen before still count in the query's norm: they make the texts less alike.
            var unseen = words.Length - ids.Count;
            ids.Sort();
            return Search([.. ids], NormalizePhone(phone), entities, at, window, threshold, max, -1, unseen);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private List<DuplicateMatch> Search(int[] query, string? phone, string[] entities, DateTimeOffset at, TimeSpan window,
        double threshold, int max, int self, int unseenWords = 0)
    {
        var n = _caseNumbers.Count;
        if (n == 0)
        {
            return [];
        }

        var from = (at - window).ToUnixTimeMilliseconds();
        var to = (at + window).ToUnixTimeMilliseconds();
        var scratch = _scratch is { } s && s.Length >= n ? s : _scratch = new float[Math.Max(n, 1024) * 2];
        var touched = new List<int>(1024);
        try
        {
            var logN = Math.Log(1 + n);
            var queryNorm = unseenWords * logN * logN;
            var weights = new double[query.Length];
            for (var q = 0; q < query.Length; q++)
            {
                var idf = Math.Log(1 + (double)n / _postings[query[q]].Count);
                weights[q] = idf * idf;
                queryNorm += weights[q];
            }

            // Lossless pruning (max-score): a case that shares only the query's most common words, whose weight is below
            // (minimum text similarity)² of the query's norm, cannot reach the threshold on text alone — so those words'
            // long posting lists are not walked. Cases sharing a phone or an entity are found through their own postings.
            var minText = Math.Min(1, threshold / 0.85);
            var skippable = minText * minText * queryNorm;
            var order = Enumerable.Range(0, query.Length).OrderBy(q => weights[q]).ToArray();
            var skipped = 0.0;
            var walk = new List<int>(query.Length);
            foreach (var q in order)
            {
                if (skipped + weights[q] < skippable)
                {
                    skipped += weights[q];
                }
                else
                {
                    walk.Add(q);
                }
            }

            foreach (var q in walk)
            {
                var list = _postings[query[q]];
                var weight = (float)weights[q];
                var seen = 0;
                for (var i = list.Count - 1; i >= 0 && seen < MaxPostingsPerTerm; i--, seen++)
                {
                    var d = list[i];
                    var t = _acceptedMs[d];
                    if (t < from)
                    {
                        break;
                    }

                    if (t > to || d == self || _hidden[d])
                    {
                        continue;
                    }

                    if (scratch[d] == 0)
                    {
                        touched.Add(d);
                    }

                    scratch[d] += weight;
                }
            }

            // Keep only cases whose text could still reach the threshold (same bound as above), best partial scores
            // first; exact scores are computed for these alone.
            var candidates = new HashSet<int>();
            var needed = (float)(skippable - skipped);
            var viable = touched.Where(d => scratch[d] >= needed).ToList();
            if (viable.Count > MaxTextCandidates)
            {
                viable.Sort((a, b) => scratch[b].CompareTo(scratch[a]));
                viable.RemoveRange(MaxTextCandidates, viable.Count - MaxTextCandidates);
            }

            candidates.UnionWith(viable);

            var keys = new List<string>(entities.Length + 1);
            if (phone is not null)
            {
                keys.Add("tel:" + phone);
            }

            keys.AddRange(entities);
            foreach (var key in keys)
            {
                if (!_keyPostings.TryGetValue(key, out var list))
                {
                    continue;
                }

                var taken = 0;
                for (var i = list.Count - 1; i >= 0 && taken < MaxKeyCandidates; i--)
                {
                    var d = list[i];
                    var t = _acceptedMs[d];
                    if (t < from)
                    {
                        break;
                    }

                    if (t > to || d == self || _hidden[d])
                    {
                        continue;
                    }

                    candidates.Add(d);
                    taken++;
                }
            }

            var results = new List<DuplicateMatch>();
            var atMs = at.ToUnixTimeMilliseconds();
            foreach (var d in candidates)
            {
                var samePlate = Shares(entities, _entities[d], PlatePrefix) ? 1.0 : 0.0;
                // Reports about the same vehicle stay one matter for longer than reports that only read alike.
                var time = Math.Max(TimeFactor(TimeSpan.FromMilliseconds(Math.Abs(atMs - _acceptedMs[d]))), 0.8 * samePlate);
                var conflict = ConflictFactor(entities, _entities[d]);
                var text = TextSimilarity(query, queryNorm, _terms[d], n) * time * conflict;
                var samePhone = phone is not null && phone == _phones[d] ? conflict : 0.0;
                var sameRoute = Shares(entities, _entities[d], RoutePrefix) || Shares(entities, _entities[d], LinePrefix) ? time : 0.0;
                var sameEnterprise = Shares(entities, _entities[d], EnterprisePrefix) ? time : 0.0;
                var score = 1 - ((1 - (0.85 * text)) * (1 - (0.25 * samePhone)) * (1 - (0.25 * samePlate))
                    * (1 - (0.35 * sameRoute)) * (1 - (0.25 * sameEnterprise)));
                if (score >= threshold)
                {
                    results.Add(new DuplicateMatch(_caseNumbers[d], Math.Round(score, 4)));
                }
            }

            return [.. results.OrderByDescending(r => r.Score).ThenByDescending(r => r.CaseNumber, StringComparer.Ordinal).Take(max)];
        }
        finally
        {
            foreach (var d in touched)
            {
                scratch[d] = 0;
            }
        }
    }

    private const string PlatePrefix = "plate:";
    private const string RoutePrefix = "route:";
    private const string LinePrefix = "line:";
    private const string EnterprisePrefix = "ent:";

    /// <summary>
    /// How much the wording of two reports counts, by how far apart they came: fully within a day (the same incident is
    /// reported again soon, by others who saw it), then fading — half at four days, a fifth at a week. The same caller and
    /// the same plate have signals of their own that do not fade as fast.
    /// </summary>
    internal static double TimeFactor(TimeSpan apart)
    {
        var days = apart.TotalDays;
        if (days <= 1)
        {
            return 1;
        }

        var x = (days - 1) / 3;
        return 1 / (1 + (x * x));
    }

    /// <summary>Reports that both name a plate, a route or a metro line, and none the same, concern different incidents.</summary>
    internal static double ConflictFactor(string[] a, string[] b)
    {
        var factor = 1.0;
        if (Conflicts(a, b, PlatePrefix))
        {
            factor *= 0.25;
        }

        if (Conflicts(a, b, RoutePrefix) || Conflicts(a, b, LinePrefix))
        {
            factor *= 0.4;
        }

        return factor;
    }

    private static bool Conflicts(string[] a, string[] b, string prefix) =>
        a.Any(e => e.StartsWith(prefix, StringComparison.Ordinal)) && b.Any(e => e.StartsWith(prefix, StringComparison.Ordinal))
        && !Shares(a, b, prefix);

    private static bool Shares(string[] a, string[] b, string prefix)
    {
        foreach (var e in a)
        {
            if (e.StartsWith(prefix, StringComparison.Ordinal) && Array.IndexOf(b, e) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private double TextSimilarity(int[] query, double queryNorm, int[] doc, int n)
    {
        if (query.Length == 0 || doc.Length == 0 || queryNorm <= 0)
        {
            return 0;
        }

        double common = 0, docNorm = 0;
        int i = 0, j = 0;
        foreach (var term in doc)
        {
            var idf = Math.Log(1 + (double)n / _postings[term].Count);
            docNorm += idf * idf;
        }

        while (i < query.Length && j < doc.Length)
        {
            if (query[i] == doc[j])
            {
                var idf = Math.Log(1 + (double)n / _postings[query[i]].Count);
                common += idf * idf;
                i++;
                j++;
            }
            else if (query[i] < doc[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return docNorm <= 0 ? 0 : Math.Min(1, common / Math.Sqrt(queryNorm * docNorm));
    }

    private List<int> KeyPostings(string key)
    {
        if (!_keyPostings.TryGetValue(key, out var list))
        {
            list = [];
            _keyPostings[key] = list;
        }

        return list;
    }

    private static string? NormalizePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }

        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        if (digits.StartsWith("86", StringComparison.Ordinal) && digits.Length == 13)
        {
            digits = digits[2..];
        }

        return digits.Length >= 5 ? digits : null;
    }
}
