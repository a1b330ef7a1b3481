//===- InterruptCleanup.h - remove half-written output on Ctrl-C ----------===//
#ifndef LLMC_COMPILER_EMITTER_INTERRUPTCLEANUP_H
#define LLMC_COMPILER_EMITTER_INTERRUPTCLEANUP_H

#include "llvm/ADT/StringRef.h"

#include <mutex>

namespace llmc {

/// SIGINT, SIGTERM or SIGHUP arriving while out/ is being written removes the paths registered
/// here (the staging folder, the lock file) and then ends the process as the signal would. The
/// signals are blocked in every thread and taken by one thread of its own, so the removal runs
/// as ordinary code, not inside a signal handler where it could deadlock on a lock the
/// interrupted code holds. SIGKILL cannot be caught: the next compile removes what it left.
class InterruptCleanup {
public:
  /// Starts the signal thread (once per process) and makes a file-size limit (ulimit -f) fail
  /// writes with EFBIG, reported like a full disk, instead of killing the process. Call it
  /// before any other thread starts, so that every thread inherits the blocked signals.
  static void start();

  /// Removes `path` (a file or a folder) if a signal arrives.
  static void add(llvm::StringRef path);
  /// No longer removes `path`.
  static void forget(llvm::StringRef path);

  /// While the returned lock is held, a signal waits: renames under it complete first.
  static std::unique_lock<std::mutex> hold();
};

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_INTERRUPTCLEANUP_H
