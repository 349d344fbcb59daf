using System.Globalization;
using System.Runtime.InteropServices;

namespace Ec2Isolation.Bench;

/// <summary>What another process has used so far (Linux): its CPU clock, to the nanosecond, and its peak resident set.</summary>
internal static partial class ProcessUsage
{
    /// <summary>User+sys time of every thread the process has run, exited ones included (clock_getcpuclockid).</summary>
    public static TimeSpan Cpu(int pid)
    {
        if (GetCpuClockId(pid, out var clock) != 0 || GetTime(clock, out var time) != 0)
        {
            throw new InvalidOperationException($"cannot read the CPU clock of process {pid}");
        }

        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100));
    }

    /// <summary>VmHWM: the most resident memory the process has had.</summary>
    public static long PeakResidentKiB(int pid) =>
        long.Parse(
            File.ReadLines($"/proc/{pid}/status").Single(line => line.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc.so.6", EntryPoint = "clock_getcpuclockid")]
    private static partial int GetCpuClockId(int pid, out int clockId);

    [LibraryImport("libc.so.6", EntryPoint = "clock_gettime")]
    private static partial int GetTime(int clockId, out Timespec time);
}
