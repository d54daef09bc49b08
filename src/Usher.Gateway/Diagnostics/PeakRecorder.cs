using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Peaks;

namespace Usher.Gateway.Diagnostics;

/// <summary>The gateway's <see cref="PeakBook"/> and its file (<c>Peaks</c>): read at start, written every
/// SaveInterval from the gateway's heartbeat and when it stops, within MaxBytes. A file that cannot be read is set
/// aside (<c>.bad</c>); one that cannot be written is 9664 once per outage: recording goes on in memory, bounded.</summary>
internal sealed class PeakRecorder
{
    private readonly PeakSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _saving = new();
    private long _nextSave;
    private DateTimeOffset? _failingSince;

    public PeakRecorder(PeakSettings settings, ILogger logger, TimeProvider time)
    {
        _settings = settings;
        _logger = logger;
        _time = time;
        Book = new PeakBook(time);
    }

    /// <summary>What sessions record into.</summary>
    public PeakBook Book { get; }

    /// <summary>Reads the file written by an earlier run, and writes it back at once: a file that cannot be written is
    /// said at start (9664), and what writing needs is loaded then, not in the middle of the traffic.</summary>
    public void Load()
    {
        try
        {
            Book.Load(PeakFile.Read(_settings.File));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            var aside = _settings.File + ".bad";
            try
            {
                File.Move(_settings.File, aside, overwrite: true);
            }
            catch (Exception moved) when (moved is IOException or UnauthorizedAccessException)
            {
                aside = "(not moved: " + moved.Message + ")";
            }

            _logger.PeaksNotRead(_settings.File, e.Message, aside);
        }

        PeakFile.Prepare();
        Save();
    }

    /// <summary>Writes the file when SaveInterval has passed since the last write.</summary>
    public void SaveIfDue()
    {
        if (Environment.TickCount64 >= _nextSave)
        {
            Save();
        }
    }

    /// <summary>Writes the file now.</summary>
    public void Save()
    {
        lock (_saving)
        {
            _nextSave = Environment.TickCount64 + (long)_settings.SaveInterval.TotalMilliseconds;
            var history = Book.Read();
            try
            {
                var oldest = PeakFile.Write(_settings.File, history, _settings.MaxBytes);
                Book.DropBefore(oldest ?? long.MaxValue);
                if (_failingSince is { } since)
                {
                    _failingSince = null;
                    var outage = Math.Round((_time.GetUtcNow() - since).TotalSeconds, 1);
                    _logger.PeaksSavedAgain(_settings.File, outage);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (_failingSince is null)
                {
                    _failingSince = _time.GetUtcNow();
                    _logger.PeaksNotSaved(_settings.File, e.Message);
                }
            }
        }
    }
}
