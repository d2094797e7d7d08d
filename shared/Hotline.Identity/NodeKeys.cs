using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Hotline.Identity;

/// <summary>
/// The node's own RSA keys for signing and encrypting tokens, generated once and kept as PEM files (owner-only) under
/// the node's data folder, so tokens survive restarts and no two nodes share keys.
/// </summary>
internal static class NodeKeys
{
    public static RsaSecurityKey LoadOrCreate(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".pem");
        var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            rsa.KeySize = 2048;
            var temp = path + ".tmp";
            File.WriteAllText(temp, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, path, overwrite: true);
        }

        var id = Convert.ToHexString(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()).AsSpan(0, 8)).ToLowerInvariant();
        return new RsaSecurityKey(rsa) { KeyId = id };
    }
}
