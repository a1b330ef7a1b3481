//===- CoreDescription.h - the cores `llmc compile --cores` plans for -*- C++ -*-===//
#ifndef LLMC_TARGETS_COMMON_COREDESCRIPTION_H
#define LLMC_TARGETS_COMMON_COREDESCRIPTION_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace llmc {

/// What `--cores` says: a count of equal cores ("8": parts handed to threads dynamically) or
/// a description of cores of unequal speed in CPU order ("4x1.0,4x2.0": CPUs 0-3 at speed 1,
/// CPUs 4-7 twice as fast: a static split in proportion to speed, part i on thread i).
struct CoreDescription {
  int64_t count = 0;          ///< cores in all
  std::vector<double> speeds; ///< one per core for a description; empty for a plain count
};

/// Parses `text`, at most `maxCores` cores: "N" or "COUNTxSPEED[,COUNTxSPEED...]" with COUNT
/// a positive integer and SPEED a positive number. The error says what is wrong, for a
/// message that names the option.
llvm::Expected<CoreDescription> parseCoreDescription(llvm::StringRef text, int64_t maxCores);

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_COREDESCRIPTION_H
