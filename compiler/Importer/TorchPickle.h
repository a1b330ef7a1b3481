//===- TorchPickle.h - the tensor table of a torch.save pickle ------------===//
//
// torch.save pickles a state dict (protocol 2) in which each tensor is
//   torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
//                                   backward_hooks[, metadata])
// and each storage a persistent id ('storage', torch.<Type>Storage, key, location, numel) whose
// bytes are the archive's entry data/<key>. A pickle is a program for a stack machine that may
// call any importable function, so this reader is not an unpickler: it interprets only the
// opcodes such a state dict uses and only the globals listed below, builds plain values, and
// refuses anything else, naming the opcode or global. Nothing is ever called.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_TORCHPICKLE_H
#define LLMC_COMPILER_IMPORTER_TORCHPICKLE_H

#include "compiler/Weights/WeightStore.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// One tensor of a state dict, as the pickle describes it.
struct TorchTensor {
  std::string name;           ///< the state dict's key
  DType dtype = DType::F32;   ///< from the storage type: Float, Half or BFloat16
  std::string storageKey;     ///< the archive entry data/<storageKey> holds the storage
  uint64_t storageNumel = 0;  ///< elements in the storage
  uint64_t storageOffset = 0; ///< of the tensor's first element, in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

/// The globals a state dict may name: collections.OrderedDict, torch._utils._rebuild_tensor_v2,
/// torch.FloatStorage, torch.HalfStorage, torch.BFloat16Storage.
bool isAllowedTorchGlobal(llvm::StringRef module, llvm::StringRef name);

/// The tensors of the pickled state dict `bytes` (a flat dict or OrderedDict from names to
/// tensors), in the pickle's order. Errors name `path` and the problem: an opcode or global
/// outside the allowed set, a malformed stream, a value that is not a tensor.
llvm::Expected<std::vector<TorchTensor>> readTorchStateDict(llvm::StringRef bytes,
                                                           llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_TORCHPICKLE_H
