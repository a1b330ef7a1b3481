//===- TorchPickle.cpp - the tensor table of a torch.save pickle ----------===//
//
// A stack machine for the pickle opcodes of protocol 2 that a state dict needs. Values live in
// an arena owned by the machine and refer to each other by plain pointers, so that a hostile
// stream (cycles through the memo, deep nesting) can neither leak nor recurse: nothing here
// walks a value more than one level deep.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/TorchPickle.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <memory>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// The storage classes a tensor may rebuild from, and the dtype each holds.
struct StorageType {
  StringRef name;
  DType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", DType::F32}, {"HalfStorage", DType::F16}, {"BFloat16Storage", DType::BF16}};

constexpr StringRef kOrderedDict = "collections.OrderedDict";
constexpr StringRef kRebuildTensor = "torch._utils._rebuild_tensor_v2";

/// A value on the machine's stack.
struct Value {
  enum class Kind { None, Bool, Int, Float, String, Tuple, Dict, Global, Storage, Tensor };
  Kind kind = Kind::None;
  int64_t integer = 0;         ///< Bool, Int
  std::string text;            ///< String; Global: "module.name"
  std::vector<Value *> items;  ///< Tuple; Dict: key, value, key, value, ...
  TorchTensor tensor;          ///< Storage: dtype, storageKey, storageNumel; Tensor: all
};

class Machine {
public:
  Machine(StringRef bytes, StringRef path) : bytes(bytes), path(path) {}

  /// Runs to STOP and returns the value it leaves.
  llvm::Expected<Value *> run();

private:
  StringRef bytes, path;
  uint64_t pos = 0;      ///< the next byte to read
  uint64_t opcodeAt = 0; ///< where the current opcode starts, for messages
  std::vector<std::unique_ptr<Value>> arena;
  std::vector<Value *> stack;
  std::vector<size_t> marks; ///< stack sizes at each MARK
  llvm::DenseMap<uint32_t, Value *> memo;

  Error problem(const Twine &message) {
    return fileError(path, "pickle byte " + Twine(opcodeAt) + ": " + message);
  }

  Value *make(Value::Kind kind) {
    arena.push_back(std::make_unique<Value>());
    arena.back()->kind = kind;
    return arena.back().get();
  }
  Error push(Value::Kind kind, int64_t integer = 0, std::string text = "") {
    Value *value = make(kind);
    value->integer = integer;
    value->text = std::move(text);
    stack.push_back(value);
    return Error::success();
  }

  /// The next `n` bytes, or an error when the stream ends first.
  llvm::Expected<StringRef> take(uint64_t n) {
    if (n > bytes.size() - pos)
      return problem("the pickle ends inside an opcode's argument (truncated?)");
    StringRef out = bytes.substr(pos, n);
    pos += n;
    return out;
  }
  /// A little-endian unsigned integer of `n` <= 4 bytes.
  llvm::Expected<uint32_t> unsignedArg(unsigned n) {
    llvm::Expected<StringRef> raw = take(n);
    if (!raw)
      return raw.takeError();
    uint32_t value = 0;
    for (unsigned i = 0; i < n; ++i)
      value |= uint32_t(uint8_t((*raw)[i])) << (8 * i);
    return value;
  }
  /// A text line, as GLOBAL's module and name.
  llvm::Expected<StringRef> line() {
    size_t end = bytes.find('\n', pos);
    if (end == StringRef::npos)
      return problem("the pickle ends inside a GLOBAL's name (truncated?)");
    StringRef out = bytes.slice(pos, end);
    pos = end + 1;
    return out;
  }

  llvm::Expected<Value *> pop() {
    if (stack.empty() || (!marks.empty() && stack.size() == marks.back()))
      return problem("pops from an empty stack");
    Value *top = stack.back();
    stack.pop_back();
    return top;
  }
  /// The top two values: `below` was pushed first.
  Error popTwo(Value *&below, Value *&top) {
    llvm::Expected<Value *> second = pop();
    if (!second)
      return second.takeError();
    llvm::Expected<Value *> first = pop();
    if (!first)
      return first.takeError();
    below = *first;
    top = *second;
    return Error::success();
  }
  /// The values above the last MARK, which is removed.
  llvm::Expected<std::vector<Value *>> popToMark() {
    if (marks.empty())
      return problem("has no MARK to pop to");
    std::vector<Value *> items(stack.begin() + marks.back(), stack.end());
    stack.resize(marks.back());
    marks.pop_back();
    return items;
  }
  Error makeTuple(std::vector<Value *> items) {
    Value *tuple = make(Value::Kind::Tuple);
    tuple->items = std::move(items);
    stack.push_back(tuple);
    return Error::success();
  }
  Error tupleOf(unsigned n) {
    std::vector<Value *> items(n);
    for (unsigned i = n; i-- > 0;) {
      llvm::Expected<Value *> item = pop();
      if (!item)
        return item.takeError();
      items[i] = *item;
    }
    return makeTuple(std::move(items));
  }
  /// SETITEM and SETITEMS: key/value pairs into the dict below them.
  Error setItems(const std::vector<Value *> &pairs) {
    if (pairs.size() % 2)
      return problem("SETITEMS has an odd number of values");
    if (stack.empty() || stack.back()->kind != Value::Kind::Dict)
      return problem("sets items on something that is not a dict");
    llvm::append_range(stack.back()->items, pairs);
    return Error::success();
  }

  Error global();
  Error persistentId();
  Error reduce();
  Error build();
  Error memoPut(uint32_t index) {
    if (stack.empty())
      return problem("memoizes from an empty stack");
    memo[index] = stack.back();
    return Error::success();
  }
  Error memoGet(uint32_t index) {
    auto it = memo.find(index);
    if (it == memo.end())
      return problem("reads memo entry " + Twine(index) + ", which was never written");
    stack.push_back(it->second);
    return Error::success();
  }
  Error step(uint8_t opcode);
};

Error Machine::global() {
  llvm::Expected<StringRef> module = line();
  if (!module)
    return module.takeError();
  llvm::Expected<StringRef> name = line();
  if (!name)
    return name.takeError();
  if (!isAllowedTorchGlobal(*module, *name))
    return problem("refuses global '" + *module + "." + *name +
                   "': a torch state dict names only collections.OrderedDict, "
                   "torch._utils._rebuild_tensor_v2 and torch.FloatStorage/HalfStorage/"
                   "BFloat16Storage (llmc runs nothing a pickle names)");
  return push(Value::Kind::Global, 0, (*module + "." + *name).str());
}

Error Machine::persistentId() {
  llvm::Expected<Value *> pid = pop();
  if (!pid)
    return pid.takeError();
  const std::vector<Value *> &f = (*pid)->items;
  if ((*pid)->kind != Value::Kind::Tuple || f.size() != 5 ||
      f[0]->kind != Value::Kind::String || f[0]->text != "storage" ||
      f[1]->kind != Value::Kind::Global || f[2]->kind != Value::Kind::String ||
      f[3]->kind != Value::Kind::String || f[4]->kind != Value::Kind::Int || f[4]->integer < 0)
    return problem("a persistent id is not ('storage', type, key, location, numel)");
  Value *storage = make(Value::Kind::Storage);
  const StorageType *known = llvm::find_if(kStorageTypes, [&](const StorageType &t) {
    return f[1]->text == "torch." + t.name.str();
  });
  if (known == std::end(kStorageTypes))
    return problem("a persistent id's type '" + f[1]->text + "' is not a storage class");
  storage->tensor.dtype = known->dtype;
  storage->tensor.storageKey = f[2]->text;
  storage->tensor.storageNumel = uint64_t(f[4]->integer);
  stack.push_back(storage);
  return Error::success();
}

/// Reads a tuple of non-negative (or, for strides, any) integers.
bool readInts(const Value *tuple, std::vector<int64_t> &out, bool nonNegative) {
  if (tuple->kind != Value::Kind::Tuple)
    return false;
  for (const Value *item : tuple->items) {
    if (item->kind != Value::Kind::Int || (nonNegative && item->integer < 0))
      return false;
    out.push_back(item->integer);
  }
  return true;
}

Error Machine::reduce() {
  Value *callable, *args;
  if (Error err = popTwo(callable, args))
    return err;
  if (callable->kind != Value::Kind::Global || args->kind != Value::Kind::Tuple)
    return problem("REDUCE applies something that is not an allowed global to a tuple");
  const std::vector<Value *> &a = args->items;
  if (callable->text == kOrderedDict) {
    if (!a.empty())
      return problem("collections.OrderedDict is given arguments");
    stack.push_back(make(Value::Kind::Dict));
    return Error::success();
  }
  if (callable->text != kRebuildTensor)
    return problem("REDUCE applies '" + callable->text + "', which is not a function");
  Value *tensor = make(Value::Kind::Tensor);
  TorchTensor &t = tensor->tensor;
  if ((a.size() != 6 && a.size() != 7) || a[0]->kind != Value::Kind::Storage ||
      a[1]->kind != Value::Kind::Int || a[1]->integer < 0 ||
      !readInts(a[2], t.shape, /*nonNegative=*/true) ||
      !readInts(a[3], t.stride, /*nonNegative=*/false) || t.shape.size() != t.stride.size() ||
      a[4]->kind != Value::Kind::Bool || a[5]->kind != Value::Kind::Dict)
    return problem("_rebuild_tensor_v2 is not given (storage, offset, size, stride, "
                   "requires_grad, backward_hooks[, metadata])");
  t.dtype = a[0]->tensor.dtype;
  t.storageKey = a[0]->tensor.storageKey;
  t.storageNumel = a[0]->tensor.storageNumel;
  t.storageOffset = uint64_t(a[1]->integer);
  stack.push_back(tensor);
  return Error::success();
}

Error Machine::build() {
  // OrderedDict's state (a state dict's _metadata attribute) says nothing about tensors.
  llvm::Expected<Value *> state = pop();
  if (!state)
    return state.takeError();
  if (stack.empty() || stack.back()->kind != Value::Kind::Dict)
    return problem("BUILD sets the state of something that is not an OrderedDict");
  return Error::success();
}

Error Machine::step(uint8_t opcode) {
  switch (opcode) {
  case 0x80: { // PROTO
    llvm::Expected<uint32_t> version = unsignedArg(1);
    if (!version)
      return version.takeError();
    if (*version > 2)
      return problem("pickle protocol " + Twine(*version) +
                     " (torch.save writes protocol 2; llmc reads only that)");
    return Error::success();
  }
  case '(':
    marks.push_back(stack.size());
    return Error::success();
  case 'N':
    return push(Value::Kind::None);
  case 0x88:
    return push(Value::Kind::Bool, 1);
  case 0x89:
    return push(Value::Kind::Bool, 0);
  case 'K':
  case 'M': {
    llvm::Expected<uint32_t> value = unsignedArg(opcode == 'K' ? 1 : 2);
    if (!value)
      return value.takeError();
    return push(Value::Kind::Int, *value);
  }
  case 'J': {
    llvm::Expected<uint32_t> value = unsignedArg(4);
    if (!value)
      return value.takeError();
    return push(Value::Kind::Int, int32_t(*value));
  }
  case 0x8a: { // LONG1: n little-endian two's-complement bytes
    llvm::Expected<uint32_t> n = unsignedArg(1);
    if (!n)
      return n.takeError();
    if (*n > 8)
      return problem("an integer of " + Twine(*n) + " bytes does not fit in 64 bits");
    llvm::Expected<StringRef> raw = take(*n);
    if (!raw)
      return raw.takeError();
    uint64_t value = 0;
    for (unsigned i = 0; i < *n; ++i)
      value |= uint64_t(uint8_t((*raw)[i])) << (8 * i);
    if (*n > 0 && *n < 8 && (uint8_t((*raw)[*n - 1]) & 0x80))
      value |= ~uint64_t(0) << (8 * *n);
    return push(Value::Kind::Int, int64_t(value));
  }
  case 'G': { // BINFLOAT, big-endian: only metadata carries floats
    llvm::Expected<StringRef> raw = take(8);
    if (!raw)
      return raw.takeError();
    return push(Value::Kind::Float);
  }
  case 'X': { // BINUNICODE
    llvm::Expected<uint32_t> length = unsignedArg(4);
    if (!length)
      return length.takeError();
    llvm::Expected<StringRef> text = take(*length);
    if (!text)
      return text.takeError();
    return push(Value::Kind::String, 0, text->str());
  }
  case ')':
    return makeTuple({});
  case 't': {
    llvm::Expected<std::vector<Value *>> items = popToMark();
    if (!items)
      return items.takeError();
    return makeTuple(std::move(*items));
  }
  case 0x85:
  case 0x86:
  case 0x87:
    return tupleOf(opcode - 0x84);
  case '}':
    stack.push_back(make(Value::Kind::Dict));
    return Error::success();
  case 's': {
    Value *key, *value;
    if (Error err = popTwo(key, value))
      return err;
    return setItems({key, value});
  }
  case 'u': {
    llvm::Expected<std::vector<Value *>> items = popToMark();
    if (!items)
      return items.takeError();
    return setItems(*items);
  }
  case 'c':
    return global();
  case 'Q':
    return persistentId();
  case 'R':
    return reduce();
  case 'b':
    return build();
  case 'q':
  case 'r': {
    llvm::Expected<uint32_t> index = unsignedArg(opcode == 'q' ? 1 : 4);
    if (!index)
      return index.takeError();
    return memoPut(*index);
  }
  case 'h':
  case 'j': {
    llvm::Expected<uint32_t> index = unsignedArg(opcode == 'h' ? 1 : 4);
    if (!index)
      return index.takeError();
    return memoGet(*index);
  }
  default: {
    std::string shown = llvm::isPrint(opcode) ? " ('" + std::string(1, char(opcode)) + "')" : "";
    return problem("opcode 0x" + llvm::utohexstr(opcode, /*LowerCase=*/true) + shown +
                   " is not one a torch state dict uses");
  }
  }
}

llvm::Expected<Value *> Machine::run() {
  while (pos < bytes.size()) {
    opcodeAt = pos;
    uint8_t opcode = uint8_t(bytes[pos++]);
    if (opcode == '.') { // STOP
      llvm::Expected<Value *> result = pop();
      if (!result)
        return result.takeError();
      if (!stack.empty() || !marks.empty())
        return problem("STOP leaves values on the stack");
      return *result;
    }
    if (Error err = step(opcode))
      return std::move(err);
  }
  opcodeAt = pos;
  return problem("the pickle ends without STOP (truncated?)");
}

} // namespace

bool llmc::isAllowedTorchGlobal(StringRef module, StringRef name) {
  std::string full = (module + "." + name).str();
  if (full == kOrderedDict || full == kRebuildTensor)
    return true;
  return module == "torch" && llvm::any_of(kStorageTypes, [&](const StorageType &type) {
           return type.name == name;
         });
}

llvm::Expected<std::vector<TorchTensor>> llmc::readTorchStateDict(StringRef bytes,
                                                                 StringRef path) {
  Machine machine(bytes, path);
  llvm::Expected<Value *> root = machine.run();
  if (!root)
    return root.takeError();
  if ((*root)->kind != Value::Kind::Dict)
    return fileError(path, "the pickle holds no dict of tensors");
  std::vector<TorchTensor> tensors;
  llvm::StringSet<> seen;
  const std::vector<Value *> &items = (*root)->items;
  for (size_t i = 0; i < items.size(); i += 2) {
    if (items[i]->kind != Value::Kind::String)
      return fileError(path, "the state dict has a key that is not a string");
    const std::string &name = items[i]->text;
    if (items[i + 1]->kind != Value::Kind::Tensor)
      return fileError(path, "the state dict's '" + name + "' is not a tensor");
    if (!seen.insert(name).second)
      return fileError(path, "the state dict has '" + name + "' twice");
    tensors.push_back(items[i + 1]->tensor);
    tensors.back().name = name;
  }
  return tensors;
}
