//===- ImporterUtil.h - helpers shared by the model readers ---------------===//
//
// Error construction, checked arithmetic, JSON parsing that cannot overflow the stack, and shape
// formatting. Internal to compiler/Importer.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_IMPORTERUTIL_H
#define LLMC_COMPILER_IMPORTER_IMPORTERUTIL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>

namespace llmc {

/// An error whose message is "<path>: <message>".
llvm::Error fileError(llvm::StringRef path, const llvm::Twine &message);

/// "[a, b, c]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// a * b, or false when it does not fit in uint64_t.
inline bool checkedMul(uint64_t a, uint64_t b, uint64_t &result) {
  return !__builtin_mul_overflow(a, b, &result);
}
/// a + b, or false when it does not fit in uint64_t.
inline bool checkedAdd(uint64_t a, uint64_t b, uint64_t &result) {
  return !__builtin_add_overflow(a, b, &result);
}

/// Parses `text` as JSON. Refuses nesting deeper than a small limit before handing the text to
/// llvm::json (whose recursive parser would otherwise overflow the stack on hostile input).
/// `what` names the document in messages, e.g. "safetensors header".
llvm::Expected<llvm::json::Value> parseJSON(llvm::StringRef text, llvm::StringRef path,
                                            llvm::StringRef what);

/// Memory-maps `path` read-only (never copies it: no null terminator is requested).
llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> mapFile(llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_IMPORTERUTIL_H
