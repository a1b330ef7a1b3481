// windows_api.h - <windows.h> for the runtime's Windows code (file mapping, positional reads,
// thread affinity), without the macros that would clash with the standard library (min, max).
#ifndef LLMC_RUNTIME_WINDOWS_API_H
#define LLMC_RUNTIME_WINDOWS_API_H

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif

#endif  // LLMC_RUNTIME_WINDOWS_API_H
