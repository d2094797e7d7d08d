namespace Hotline.Directory.Contracts;

/// <summary>The live directory as this node knows it (its own subtree at a province, every node at the ministry).</summary>
public interface IDirectoryNodes
{
    /// <summary>Every known node, online or stale, as the directory page shows them.</summary>
    Task<DirectoryListing> HandleAsync(CancellationToken cancellationToken);
}
