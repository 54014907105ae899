using System.Net;
using System.Text;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>Minimal server-rendered pages for login and device approval; every interpolated value is HTML-encoded.</summary>
internal static class Html
{
    public static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    public static IResult Page(string title, string body, int status = 200) =>
        Results.Content(
            new StringBuilder()
                .Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(E(title))
                .Append("</title><style>body{font-family:sans-serif;max-width:40em;margin:3em auto}dt{font-weight:bold}</style></head><body><h1>")
                .Append(E(title)).Append("</h1>").Append(body).Append("</body></html>").ToString(),
            "text/html; charset=utf-8",
            Encoding.UTF8,
            status);

    public static string Hidden(string name, string? value) => $"<input type=\"hidden\" name=\"{E(name)}\" value=\"{E(value)}\">";
}
