// The process's resident memory and its high-water mark, for "peak memory
// above the inputs" figures (attention.scaling, make bench).
//
// Linux only: read from /proc/self/status (VmRSS, VmHWM); elsewhere, or if
// that file cannot be read, the readings are NaN and the reset does nothing.
//
// Reading has no side effect. resetPeakResident() has one, process-wide:
// the kernel's high-water mark is one number per process, so a reset
// restarts it for every thread and every other measurement in the process
// (a GUI, another run). Call it only where the caller owns the process's
// measurement — a CLI run, a benchmark — and say so where it is called.
#pragma once

namespace loupe {

// Resident set size now (VmRSS), in MB (2^20 bytes); NaN if unavailable.
double residentMegabytes();

// The most resident memory since the process started or since the last
// resetPeakResident() (VmHWM), in MB; NaN if unavailable.
double peakResidentMegabytes();

enum class HeapTrim { No, Yes };

// Restarts the high-water mark at the current resident size (writes "5" to
// /proc/self/clear_refs, Linux ≥ 4.0). With HeapTrim::Yes, free heap memory
// is first handed back to the kernel (malloc_trim), so that what is
// allocated next shows up as new resident pages rather than being served
// from pages already resident. Returns false where the reset is not
// available. Process-wide: see above.
bool resetPeakResident(HeapTrim trim = HeapTrim::No);

}  // namespace loupe
