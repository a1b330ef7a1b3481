//===- InterruptCleanup.cpp - remove half-written output on Ctrl-C --------===//
#include "compiler/Emitter/InterruptCleanup.h"

#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <unistd.h>

namespace llmc {
namespace {

// Allocated once and never destroyed: the signal thread may still use them while the process
// exits.
std::mutex &pathsMutex() {
  static auto *mutex = new std::mutex;
  return *mutex;
}

std::vector<std::string> &pathsToRemove() {
  static auto *paths = new std::vector<std::string>;
  return *paths;
}

sigset_t interruptSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  return signals;
}

[[noreturn]] void removeThenDie(sigset_t signals) {
  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
  // Holding the mutex to the end keeps a commit from starting a rename after the removal.
  std::lock_guard<std::mutex> lock(pathsMutex());
  // The compile's other threads run on until the process ends and may add a file to a folder
  // being removed; a second pass takes it. What still escapes, the next compile removes.
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string &path : pathsToRemove()) {
      if (llvm::sys::fs::is_directory(path))
        llvm::sys::fs::remove_directories(path);
      else
        llvm::sys::fs::remove(path);
    }
  // End the way the signal would have ended the process, so a shell or make sees it.
  std::signal(signal, SIG_DFL);
  sigset_t just;
  sigemptyset(&just);
  sigaddset(&just, signal);
  pthread_sigmask(SIG_UNBLOCK, &just, nullptr);
  raise(signal);
  _exit(128 + signal);
}

} // namespace

void InterruptCleanup::start() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::signal(SIGXFSZ, SIG_IGN);
    sigset_t signals = interruptSignals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::thread(removeThenDie, signals).detach();
  });
}

void InterruptCleanup::add(llvm::StringRef path) {
  std::lock_guard<std::mutex> lock(pathsMutex());
  pathsToRemove().push_back(path.str());
}

void InterruptCleanup::forget(llvm::StringRef path) {
  std::lock_guard<std::mutex> lock(pathsMutex());
  std::vector<std::string> &paths = pathsToRemove();
  paths.erase(std::remove(paths.begin(), paths.end(), path), paths.end());
}

std::unique_lock<std::mutex> InterruptCleanup::hold() {
  return std::unique_lock<std::mutex>(pathsMutex());
}

} // namespace llmc
