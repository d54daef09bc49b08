namespace Usher.Protocols.Postgres;

/// <summary>Where the user and database of a StartupMessage are, before any string is made.</summary>
internal struct PostgresScan(HandshakeResult result)
{
    public HandshakeResult Result = result;
    public int UserStart;
    public int UserLength;
    public int DatabaseStart = -1;
    public int DatabaseLength;
    public int Minor;

    public static PostgresScan Invalid(string problem) => new(HandshakeResult.Invalid(problem));
}
