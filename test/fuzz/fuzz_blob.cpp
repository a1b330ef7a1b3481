//===- fuzz_blob.cpp - libFuzzer target for the weights.bin loader --------===//
//
// The first byte holds options, the rest is a weights.bin, copied to a 64-byte aligned buffer of
// its exact size. Unless option bit 0 is set, the checksums (of the table and of each tensor that
// lies inside the input) are recomputed first, so that mutations reach the checks behind them.
// Each input is opened twice:
//  - llmrt_blob_open_memory: an accepted blob holds only tensors that lie inside its data
//    region, aligned, apart, each of the size its dtype and dims need (computed here again);
//    binding its own table gives pointers to exactly those bytes;
//  - llm_open_memory as the model of fuzz_model.h (llmrt_compiled_model, defined here): an
//    accepted blob is run for one token, whose logit sums every byte of every weight.
// A refused input must come with a message.
//
//===----------------------------------------------------------------------===//

#include "runtime/llmrt.h"
#include "test/fuzz/fuzz_checks.h"
#include "test/fuzz/fuzz_model.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using llmc::fuzz::require;

const std::vector<llmrt_test::TestTensor> &modelTensors() {
  static const std::vector<llmrt_test::TestTensor> tensors = fuzzModelTensors();
  return tensors;
}

uint64_t byteSum(const void *data, uint64_t size) {
  const unsigned char *bytes = static_cast<const unsigned char *>(data);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < size; ++i)
    sum += bytes[i];
  return sum;
}

// ---- the model: its weight table and one logit that reads every weight byte ------------------

constexpr int kVocab = 4;

const std::vector<llmrt_weight_spec> &weightSpecs() {
  static const std::vector<llmrt_weight_spec> specs = [] {
    std::vector<llmrt_weight_spec> out;
    for (const llmrt_test::TestTensor &t : modelTensors()) {
      llmrt_weight_spec spec = {};
      spec.name = t.name.c_str();
      spec.dtype = t.dtype;
      spec.ndim = uint32_t(t.dims.size());
      for (size_t d = 0; d < t.dims.size(); ++d)
        spec.dims[d] = t.dims[d];
      spec.offset = out.size() * sizeof(const void *);
      out.push_back(spec);
    }
    return out;
  }();
  return specs;
}

const float *logitsOf(llm_model *m) {
  const void *const *weights = static_cast<const void *const *>(m->weights);
  float *logits = reinterpret_cast<float *>(m->arena);
  for (int i = 0; i < kVocab; ++i)
    logits[i] = 0;
  for (size_t i = 0; i < modelTensors().size(); ++i)
    logits[0] += float(byteSum(weights[i], llmrt_test::tensor_bytes(modelTensors()[i].dtype,
                                                                    modelTensors()[i].dims)));
  return logits;
}

const float *prefill(llm_model *m, const int32_t *, int) { return logitsOf(m); }
const float *decode(llm_model *m, const int32_t *) { return logitsOf(m); }
const float *head(llm_model *m, const float *, int) { return logitsOf(m); }

// ---- checks --------------------------------------------------------------------------------

/// Recomputes each checksum over bytes that lie inside the input.
void fixChecksums(unsigned char *blob, size_t size) {
  llmrt_blob_header h;
  if (size < sizeof h)
    return;
  std::memcpy(&h, blob, sizeof h);
  if (h.table_offset > size || h.table_size > size - h.table_offset)
    return;
  for (uint64_t at = h.table_offset; h.table_offset + h.table_size - at >= sizeof(llmrt_tensor_entry);
       at += sizeof(llmrt_tensor_entry)) {
    llmrt_tensor_entry e;
    std::memcpy(&e, blob + at, sizeof e);
    if (h.data_offset > size || e.offset > size - h.data_offset ||
        e.size > size - h.data_offset - e.offset)
      continue;
    e.checksum = llmrt_hash64(blob + h.data_offset + e.offset, e.size);
    std::memcpy(blob + at, &e, sizeof e);
  }
  h.table_checksum = llmrt_hash64(blob + h.table_offset, h.table_size);
  std::memcpy(blob, &h, sizeof h);
}

/// The bytes a tensor's dtype and dims need, or false if the loader must refuse them.
bool neededBytes(const llmrt_tensor_entry &e, uint64_t &bytes) {
  if (e.ndim < 1 || e.ndim > LLMRT_MAX_DIMS)
    return false;
  for (uint32_t d = e.ndim; d < LLMRT_MAX_DIMS; ++d)
    if (e.dims[d] != 1)
      return false;
  uint32_t counted = e.ndim;
  if (e.dtype == LLMRT_DTYPE_F32) {
    bytes = 4;
  } else if (e.dtype == LLMRT_DTYPE_F16 || e.dtype == LLMRT_DTYPE_BF16) {
    bytes = 2;
  } else if (e.dtype >= LLMRT_DTYPE_Q8_0 && e.dtype < LLMRT_DTYPE_Q8_0 + LLMRT_QUANT_SCHEME_COUNT) {
    llmrt_quant_scheme scheme = llmrt_quant_scheme(e.dtype - LLMRT_DTYPE_Q8_0);
    uint64_t k = e.dims[1], block = llmrt_quant_block_size(scheme);
    if (e.ndim != 2 || k == 0 || k > (uint64_t(1) << 40))
      return false;
    bytes = (k + block - 1) / block * uint64_t(llmrt_quant_block_bytes(scheme));
    counted = 1; // the rows; the row length is in `bytes`
  } else {
    return false;
  }
  for (uint32_t d = 0; d < counted; ++d)
    if (__builtin_mul_overflow(bytes, e.dims[d], &bytes))
      return false;
  return true;
}

void checkAccepted(const llmrt_blob &blob, const unsigned char *data, size_t size) {
  const llmrt_blob_header &h = *blob.header;
  require(blob.data == data && blob.size == size && blob.header == (const void *)data,
          "the blob is not the input");
  require(h.table_offset + h.table_size <= h.data_offset && h.data_offset <= size,
          "the table or the data region lies outside the blob");
  const uint64_t dataBytes = size - h.data_offset;
  std::vector<llmrt_weight_spec> ownTable(h.tensor_count);
  for (uint32_t i = 0; i < h.tensor_count; ++i) {
    const llmrt_tensor_entry &e = blob.table[i];
    require(std::memchr(e.name, '\0', sizeof e.name) && e.name[0] != '\0', "a bad name passed");
    uint64_t need = 0;
    require(neededBytes(e, need), "a bad dtype or dims passed");
    require(need == e.size, "a tensor's size differs from what its dims need");
    require(e.offset % LLMRT_BLOB_ALIGN == 0, "a misaligned tensor passed");
    require(e.offset <= dataBytes && e.size <= dataBytes - e.offset,
            "a tensor lies outside the data region");
    for (uint32_t j = 0; j < i; ++j) {
      const llmrt_tensor_entry &o = blob.table[j];
      require(e.size == 0 || o.size == 0 || e.offset + e.size <= o.offset ||
                  o.offset + o.size <= e.offset,
              "overlapping tensors passed");
    }
    ownTable[i] = {e.name, e.dtype, e.ndim, {}, i * sizeof(const void *)};
    std::memcpy(ownTable[i].dims, e.dims, sizeof e.dims);
  }
  std::vector<const void *> pointers(h.tensor_count);
  char err[512] = "";
  require(llmrt_bind_weights(&blob, ownTable.data(), h.tensor_count, pointers.data(), err,
                             sizeof err) == LLM_OK,
          "the blob's own table does not bind");
  for (uint32_t i = 0; i < h.tensor_count; ++i) {
    require(pointers[i] == data + h.data_offset + blob.table[i].offset,
            "a bound pointer is not its tensor's");
    (void)byteSum(pointers[i], blob.table[i].size); // inside the buffer, or ASan reports it
  }
}

/// The logit the model computes from an accepted blob, from the table.
float expectedLogit(const unsigned char *data) {
  const llmrt_blob_header *h = reinterpret_cast<const llmrt_blob_header *>(data);
  const llmrt_tensor_entry *table =
      reinterpret_cast<const llmrt_tensor_entry *>(data + h->table_offset);
  float logit = 0;
  for (uint32_t i = 0; i < h->tensor_count; ++i)
    logit += float(byteSum(data + h->data_offset + table[i].offset, table[i].size));
  return logit;
}

} // namespace

extern const llmrt_model_desc llmrt_compiled_model = {
    /*vocab_size=*/kVocab,
    /*context_length=*/4,
    /*prefill_tokens=*/1,
    /*hidden_size=*/1,
    /*activation_bytes=*/sizeof(float) * kVocab,
    /*kv_cache_floats=*/1,
    weightSpecs().data(),
    uint32_t(weightSpecs().size()),
    prefill,
    decode,
    head,
    /*pool_create=*/nullptr,
    /*pool_free=*/nullptr,
    /*missing_cpu_features=*/nullptr,
    /*weights_mode=*/LLM_WEIGHTS_MAPPED,
    /*embedded=*/nullptr,
};

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *input, size_t inputSize) {
  if (inputSize < 1)
    return 0;
  const bool keepChecksums = input[0] & 1;
  const size_t size = inputSize - 1;
  // Exactly `size` bytes (ASan poisons the rest), 64-byte aligned as the loader requires.
  void *memory = nullptr;
  if (posix_memalign(&memory, LLMRT_BLOB_ALIGN, size == 0 ? 1 : size) != 0)
    return 0;
  unsigned char *data = static_cast<unsigned char *>(memory);
  std::memcpy(data, input + 1, size);
  if (!keepChecksums)
    fixChecksums(data, size);

  char err[512] = "";
  llmrt_blob blob;
  llm_status status = llmrt_blob_open_memory(data, size, "fuzz", &blob, err, sizeof err);
  if (status == LLM_OK) {
    checkAccepted(blob, data, size);
    llmrt_blob_free(&blob);
  } else {
    require(err[0] != '\0', "a refused blob has no message");
  }

  err[0] = '\0';
  llm_model *model = nullptr;
  llm_status opened = llm_open_memory(data, size, &model, err, sizeof err);
  if (opened == LLM_OK) {
    require(status == LLM_OK, "llm_open_memory took a blob the loader refuses");
    require(llm_decode(model, 1, nullptr) == LLM_OK, "decoding one token failed");
    require(llm_logits(model)[0] == expectedLogit(data), "the model read other bytes");
    llm_close(model);
  } else {
    require(model == nullptr && err[0] != '\0', "a refused model has no message");
  }
  std::free(memory);
  return 0;
}
