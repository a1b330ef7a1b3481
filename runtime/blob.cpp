// blob.cpp - loading and validating weights.bin (layout in blob_format.h).
//
// Everything the generated code later trusts is checked here, once, before a single tensor is
// used: a file that passes cannot make the model read outside its buffers.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "runtime/llmrt.h"
#include "runtime/quant_format.h"

LLMRT_NAMESPACE_BEGIN

namespace {

bool host_is_little_endian() {
  const uint32_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

bool is_quantized(uint32_t dtype) {
  return dtype >= LLMRT_DTYPE_Q8_0 && dtype < LLMRT_DTYPE_Q8_0 + LLMRT_QUANT_SCHEME_COUNT;
}

llmrt_quant_scheme scheme_of(uint32_t dtype) {
  return static_cast<llmrt_quant_scheme>(dtype - LLMRT_DTYPE_Q8_0);
}

// Bytes per element of a float dtype, or 0 for a dtype this runtime does not know.
uint64_t dtype_size(uint32_t dtype) {
  switch (dtype) {
    case LLMRT_DTYPE_F32: return 4;
    case LLMRT_DTYPE_F16: return 2;
    case LLMRT_DTYPE_BF16: return 2;
    default: return 0;
  }
}

const char* dtype_name(uint32_t dtype) {
  switch (dtype) {
    case LLMRT_DTYPE_F32: return "f32";
    case LLMRT_DTYPE_F16: return "f16";
    case LLMRT_DTYPE_BF16: return "bf16";
    default: return is_quantized(dtype) ? llmrt_quant_scheme_name(scheme_of(dtype)) : "unknown";
  }
}

// "[4, 64]" into buf.
void format_dims(const uint64_t* dims, uint32_t ndim, char* buf, size_t buf_len) {
  size_t used = 0;
  buf[0] = '\0';
  for (uint32_t d = 0; d < ndim && used < buf_len; ++d) {
    int n = std::snprintf(buf + used, buf_len - used, "%s%llu", d == 0 ? "[" : ", ",
                          static_cast<unsigned long long>(dims[d]));
    if (n < 0) break;
    used += static_cast<size_t>(n);
  }
  if (used < buf_len) std::snprintf(buf + used, buf_len - used, "]");
}

// Checks one table entry on its own: name, dtype, dims, size, alignment and range.
llm_status check_entry(const char* path, const llmrt_blob_header* header, uint32_t index,
                       const llmrt_tensor_entry* e, char* err, size_t err_len) {
  if (std::memchr(e->name, '\0', LLMRT_TENSOR_NAME_BYTES) == nullptr) {
    llmrt_format_error(err, err_len, "%s: tensor %u has a name that is not NUL-terminated", path,
                       index);
    return LLM_ERR_FORMAT;
  }
  if (e->name[0] == '\0') {
    llmrt_format_error(err, err_len, "%s: tensor %u has an empty name", path, index);
    return LLM_ERR_FORMAT;
  }
  // A quantized matrix is (rows, k) stored as rows of whole blocks; account for it as rows of
  // row_bytes-sized "elements" in the overflow-checked product below.
  bool quantized = is_quantized(e->dtype);
  if (quantized && e->ndim != 2) {
    llmrt_format_error(err, err_len, "%s: quantized tensor '%s' has ndim %u (must be 2)", path,
                       e->name, e->ndim);
    return LLM_ERR_FORMAT;
  }
  if (quantized && (e->dims[1] == 0 || e->dims[1] > (uint64_t(1) << 40))) {
    llmrt_format_error(err, err_len, "%s: quantized tensor '%s' has a bad row length", path,
                       e->name);
    return LLM_ERR_FORMAT;
  }
  uint64_t elem_size =
      quantized ? uint64_t(llmrt_quant_row_bytes(scheme_of(e->dtype), int64_t(e->dims[1])))
                : dtype_size(e->dtype);
  if (elem_size == 0) {
    llmrt_format_error(err, err_len, "%s: tensor '%s' has unknown dtype %u", path, e->name,
                       e->dtype);
    return LLM_ERR_FORMAT;
  }
  if (e->ndim < 1 || e->ndim > LLMRT_MAX_DIMS) {
    llmrt_format_error(err, err_len, "%s: tensor '%s' has ndim %u (must be 1..%u)", path, e->name,
                       e->ndim, LLMRT_MAX_DIMS);
    return LLM_ERR_FORMAT;
  }
  uint64_t need = elem_size;  // bytes its dims need, checked for overflow
  for (uint32_t d = 0; d < LLMRT_MAX_DIMS; ++d) {
    uint64_t dim = quantized && d == 1 ? 1 : e->dims[d];  // the row length is in elem_size
    if (d >= e->ndim) {
      if (dim != 1) {
        llmrt_format_error(err, err_len,
                           "%s: tensor '%s' has ndim %u but dims[%u] = %llu (unused dims must "
                           "be 1)",
                           path, e->name, e->ndim, d, static_cast<unsigned long long>(dim));
        return LLM_ERR_FORMAT;
      }
      continue;
    }
    if (dim != 0 && need > UINT64_MAX / dim) {
      llmrt_format_error(err, err_len, "%s: tensor '%s' has dims too large to address", path,
                         e->name);
      return LLM_ERR_FORMAT;
    }
    need *= dim;
  }
  if (e->size != need) {
    llmrt_format_error(err, err_len, "%s: tensor '%s' size is %llu bytes but its dims need %llu",
                       path, e->name, static_cast<unsigned long long>(e->size),
                       static_cast<unsigned long long>(need));
    return LLM_ERR_FORMAT;
  }
  if (e->offset % LLMRT_BLOB_ALIGN != 0) {
    llmrt_format_error(err, err_len, "%s: tensor '%s' offset %llu is not %llu-byte aligned", path,
                       e->name, static_cast<unsigned long long>(e->offset),
                       static_cast<unsigned long long>(LLMRT_BLOB_ALIGN));
    return LLM_ERR_FORMAT;
  }
  uint64_t data_bytes = header->file_size - header->data_offset;
  if (e->offset > data_bytes || e->size > data_bytes - e->offset) {
    llmrt_format_error(err, err_len,
                       "%s: tensor '%s' bytes [%llu, +%llu) lie outside the data region (%llu "
                       "bytes)",
                       path, e->name, static_cast<unsigned long long>(e->offset),
                       static_cast<unsigned long long>(e->size),
                       static_cast<unsigned long long>(data_bytes));
    return LLM_ERR_FORMAT;
  }
  return LLM_OK;
}

llm_status overlap_error(const char* path, const llmrt_tensor_entry* a,
                         const llmrt_tensor_entry* b, char* err, size_t err_len) {
  llmrt_format_error(err, err_len, "%s: tensors '%s' and '%s' overlap", path, a->name, b->name);
  return LLM_ERR_FORMAT;
}

// No two tensors may share a byte. The compiler writes tensors in offset order: then each tensor
// is compared with the one that ends last before it; any other order compares every pair. Neither
// allocates, so a blob in memory opens without the heap. Offsets and sizes lie inside the data
// region (check_entry), so no sum here wraps.
llm_status check_no_overlap(const char* path, const llmrt_tensor_entry* table, uint32_t count,
                            char* err, size_t err_len) {
  bool sorted = true;
  for (uint32_t i = 1; i < count && sorted; ++i) sorted = table[i - 1].offset <= table[i].offset;
  if (sorted) {
    const llmrt_tensor_entry* last = nullptr;  // the non-empty tensor that ends last so far
    for (uint32_t i = 0; i < count; ++i) {
      const llmrt_tensor_entry* e = &table[i];
      if (e->size == 0) continue;
      if (last != nullptr && e->offset < last->offset + last->size) {
        return overlap_error(path, last, e, err, err_len);
      }
      if (last == nullptr || e->offset + e->size > last->offset + last->size) last = e;
    }
    return LLM_OK;
  }
  for (uint32_t i = 0; i < count; ++i) {
    const llmrt_tensor_entry* b = &table[i];
    for (uint32_t j = 0; j < i && b->size != 0; ++j) {
      const llmrt_tensor_entry* a = &table[j];
      if (a->size != 0 && a->offset < b->offset + b->size && b->offset < a->offset + a->size) {
        return overlap_error(path, a, b, err, err_len);
      }
    }
  }
  return LLM_OK;
}

// Header fields and the table's place and checksum. `noun` is what the bytes are to the user:
// "file" or "blob". data holds the first `available` bytes of the `size`-byte blob: all of it,
// or (streamed weights) the header and table up to the data region.
llm_status check_header(const char* path, const char* noun, const unsigned char* data,
                        size_t available, uint64_t size, char* err, size_t err_len) {
  if (size < sizeof(llmrt_blob_header)) {
    llmrt_format_error(err, err_len,
                       "%s: %s is %llu bytes, too small for a header (not an llmc weight blob)",
                       path, noun, static_cast<unsigned long long>(size));
    return LLM_ERR_FORMAT;
  }
  const llmrt_blob_header* h = reinterpret_cast<const llmrt_blob_header*>(data);
  if (std::memcmp(h->magic, LLMRT_BLOB_MAGIC, sizeof(h->magic)) != 0) {
    llmrt_format_error(err, err_len, "%s: bad magic (not an llmc weight blob)", path);
    return LLM_ERR_FORMAT;
  }
  if (h->version != LLMRT_BLOB_VERSION) {
    llmrt_format_error(err, err_len, "%s: unsupported version %u (this runtime reads version %u)",
                       path, h->version, LLMRT_BLOB_VERSION);
    return LLM_ERR_FORMAT;
  }
  if (h->file_size != size) {
    llmrt_format_error(err, err_len, "%s: %s is %llu bytes but header says %llu", path, noun,
                       static_cast<unsigned long long>(size),
                       static_cast<unsigned long long>(h->file_size));
    return LLM_ERR_FORMAT;
  }
  if (h->table_offset != sizeof(llmrt_blob_header)) {
    llmrt_format_error(err, err_len, "%s: tensor table at offset %llu, expected %zu", path,
                       static_cast<unsigned long long>(h->table_offset),
                       sizeof(llmrt_blob_header));
    return LLM_ERR_FORMAT;
  }
  if (h->table_size != static_cast<uint64_t>(h->tensor_count) * sizeof(llmrt_tensor_entry)) {
    llmrt_format_error(err, err_len, "%s: tensor table is %llu bytes but %u tensors need %llu",
                       path, static_cast<unsigned long long>(h->table_size), h->tensor_count,
                       static_cast<unsigned long long>(h->tensor_count) *
                           sizeof(llmrt_tensor_entry));
    return LLM_ERR_FORMAT;
  }
  if (h->data_offset % LLMRT_BLOB_ALIGN != 0) {
    llmrt_format_error(err, err_len, "%s: data offset %llu is not %llu-byte aligned", path,
                       static_cast<unsigned long long>(h->data_offset),
                       static_cast<unsigned long long>(LLMRT_BLOB_ALIGN));
    return LLM_ERR_FORMAT;
  }
  // table_size is at most 2^32 * 128, so this sum cannot overflow.
  if (h->table_offset + h->table_size > h->data_offset || h->data_offset > size ||
      h->data_offset > available) {
    llmrt_format_error(err, err_len,
                       "%s: tensor table [%llu, %llu) and data region at %llu do not fit in the "
                       "%s (%llu bytes)",
                       path, static_cast<unsigned long long>(h->table_offset),
                       static_cast<unsigned long long>(h->table_offset + h->table_size),
                       static_cast<unsigned long long>(h->data_offset), noun,
                       static_cast<unsigned long long>(size));
    return LLM_ERR_FORMAT;
  }
  if (llmrt_hash64(data + h->table_offset, h->table_size) != h->table_checksum) {
    llmrt_format_error(err, err_len, "%s: tensor table checksum mismatch (%s corrupted)", path,
                       noun);
    return LLM_ERR_FORMAT;
  }
  return LLM_OK;
}

// Everything but the tensors' bytes: the header, and each table entry alone and against the rest.
llm_status check_table(const char* path, const char* noun, const unsigned char* data,
                       size_t available, uint64_t size, char* err, size_t err_len) {
  llm_status status = check_header(path, noun, data, available, size, err, err_len);
  if (status != LLM_OK) return status;
  const llmrt_blob_header* h = reinterpret_cast<const llmrt_blob_header*>(data);
  const llmrt_tensor_entry* table =
      reinterpret_cast<const llmrt_tensor_entry*>(data + h->table_offset);
  for (uint32_t i = 0; i < h->tensor_count; ++i) {
    status = check_entry(path, h, i, &table[i], err, err_len);
    if (status != LLM_OK) return status;
  }
  return check_no_overlap(path, table, h->tensor_count, err, err_len);
}

llm_status validate(const char* path, const char* noun, const unsigned char* data, size_t size,
                    char* err, size_t err_len) {
  llm_status status = check_table(path, noun, data, size, size, err, err_len);
  if (status != LLM_OK) return status;
  const llmrt_blob_header* h = reinterpret_cast<const llmrt_blob_header*>(data);
  const llmrt_tensor_entry* table =
      reinterpret_cast<const llmrt_tensor_entry*>(data + h->table_offset);
  for (uint32_t i = 0; i < h->tensor_count; ++i) {
    const unsigned char* bytes = data + h->data_offset + table[i].offset;
    if (llmrt_hash64(bytes, table[i].size) != table[i].checksum) {
      llmrt_format_error(err, err_len, "%s: checksum mismatch in tensor '%s' (%s corrupted)",
                         path, table[i].name, noun);
      return LLM_ERR_FORMAT;
    }
  }
  return LLM_OK;
}

// Validates size bytes at data in place and points out_blob at them; `noun` ("file", "blob") is
// what messages call them, `storage` who releases them (left to the caller on failure).
llm_status open_bytes(const unsigned char* data, size_t size, const char* name, const char* noun,
                      llmrt_storage storage, llmrt_blob* out_blob, char* err, size_t err_len) {
  if (data == nullptr) {
    llmrt_format_error(err, err_len, "%s: the %s pointer is NULL", name, noun);
    return LLM_ERR_ARGUMENT;
  }
  uintptr_t misalignment = reinterpret_cast<uintptr_t>(data) % LLMRT_BLOB_ALIGN;
  if (misalignment != 0) {
    llmrt_format_error(err, err_len,
                       "%s: the %s at %p is not %llu-byte aligned (%llu bytes past a boundary); "
                       "its tensors need that alignment, e.g. alignas(64) on the array",
                       name, noun, static_cast<const void*>(data),
                       static_cast<unsigned long long>(LLMRT_BLOB_ALIGN),
                       static_cast<unsigned long long>(misalignment));
    return LLM_ERR_ARGUMENT;
  }
  if (!host_is_little_endian()) {
    llmrt_format_error(err, err_len, "%s: llmc blobs are little-endian and this machine is not",
                       name);
    return LLM_ERR_FORMAT;
  }
  llm_status status = validate(name, noun, data, size, err, err_len);
  if (status != LLM_OK) return status;
  out_blob->data = data;
  out_blob->size = size;
  out_blob->header = reinterpret_cast<const llmrt_blob_header*>(data);
  out_blob->table =
      reinterpret_cast<const llmrt_tensor_entry*>(data + out_blob->header->table_offset);
  out_blob->storage = storage;
  std::snprintf(out_blob->path, sizeof(out_blob->path), "%s", name);
  return LLM_OK;
}

}  // namespace

llm_status llmrt_blob_check_table(const unsigned char* data, size_t available, uint64_t size,
                                  const char* name, char* err, size_t err_len) {
  if (!host_is_little_endian()) {
    llmrt_format_error(err, err_len, "%s: llmc blobs are little-endian and this machine is not",
                       name);
    return LLM_ERR_FORMAT;
  }
  return check_table(name, "file", data, available, size, err, err_len);
}

llm_status llmrt_blob_open_memory(const void* data, size_t size, const char* name,
                                  llmrt_blob* out_blob, char* err, size_t err_len) {
  if (out_blob == nullptr || name == nullptr) {
    llmrt_format_error(err, err_len, "llmrt_blob_open_memory: NULL argument");
    return LLM_ERR_ARGUMENT;
  }
  std::memset(out_blob, 0, sizeof(*out_blob));
  return open_bytes(static_cast<const unsigned char*>(data), size, name, "blob",
                    LLMRT_STORAGE_BORROWED, out_blob, err, err_len);
}

llm_status llmrt_blob_load(const char* path, llmrt_blob* out_blob, char* err, size_t err_len) {
  if (out_blob == nullptr || path == nullptr) {
    llmrt_format_error(err, err_len, "llmrt_blob_load: NULL argument");
    return LLM_ERR_ARGUMENT;
  }
  std::memset(out_blob, 0, sizeof(*out_blob));
  return llmrt_open_mapped(path, err, err_len,
                           [&](const unsigned char* data, size_t size, llmrt_storage storage) {
                             return open_bytes(data, size, path, "file", storage, out_blob, err,
                                               err_len);
                           });
}

void llmrt_blob_free(llmrt_blob* blob) {
  if (blob == nullptr) return;
  llmrt_unmap_file(blob->data, blob->size, blob->storage);
  std::memset(blob, 0, sizeof(*blob));
}

llm_status llmrt_blob_check_tensor(const llmrt_blob* blob, uint32_t index, const char* name,
                                   uint32_t dtype, const uint64_t* dims, uint32_t ndim, char* err,
                                   size_t err_len) {
  const char* path = blob->path;
  uint32_t count = blob->header->tensor_count;
  if (index >= count) {
    llmrt_format_error(err, err_len,
                       "%s: the model expects tensor %u '%s' but the %s has only %u tensors "
                       "(weights of a different model?)",
                       path, index, name,
                       blob->storage == LLMRT_STORAGE_BORROWED ? "blob" : "file", count);
    return LLM_ERR_FORMAT;
  }
  const llmrt_tensor_entry* e = &blob->table[index];
  if (std::strcmp(e->name, name) != 0) {
    llmrt_format_error(err, err_len,
                       "%s: tensor %u is '%s' but the model expects '%s' (weights of a different "
                       "model?)",
                       path, index, e->name, name);
    return LLM_ERR_FORMAT;
  }
  if (e->dtype != dtype) {
    llmrt_format_error(err, err_len, "%s: tensor '%s' has dtype %s but the model expects %s",
                       path, name, dtype_name(e->dtype), dtype_name(dtype));
    return LLM_ERR_FORMAT;
  }
  bool same = e->ndim == ndim;
  for (uint32_t d = 0; same && d < ndim; ++d) same = e->dims[d] == dims[d];
  if (!same) {
    char have[128];
    char want[128];
    format_dims(e->dims, e->ndim, have, sizeof(have));
    format_dims(dims, ndim <= LLMRT_MAX_DIMS ? ndim : LLMRT_MAX_DIMS, want, sizeof(want));
    llmrt_format_error(err, err_len, "%s: tensor '%s' has shape %s but the model expects %s", path,
                       name, have, want);
    return LLM_ERR_FORMAT;
  }
  return LLM_OK;
}

llm_status llmrt_blob_tensor(const llmrt_blob* blob, uint32_t index, const char* name,
                             uint32_t dtype, const uint64_t* dims, uint32_t ndim,
                             const void** out_data, char* err, size_t err_len) {
  *out_data = nullptr;
  llm_status status =
      llmrt_blob_check_tensor(blob, index, name, dtype, dims, ndim, err, err_len);
  if (status != LLM_OK) return status;
  *out_data = blob->data + blob->header->data_offset + blob->table[index].offset;
  return LLM_OK;
}

llm_status llmrt_check_weights(const llmrt_blob* blob, const llmrt_weight_spec* table,
                               uint32_t count, char* err, size_t err_len) {
  if (blob->header->tensor_count != count) {
    llmrt_format_error(err, err_len,
                       "%s holds %u tensors, the model needs %u (weights of a different model?)",
                       blob->path, unsigned(blob->header->tensor_count), unsigned(count));
    return LLM_ERR_FORMAT;
  }
  for (uint32_t i = 0; i < count; ++i) {
    const llmrt_weight_spec& spec = table[i];
    llm_status status = llmrt_blob_check_tensor(blob, i, spec.name, spec.dtype, spec.dims,
                                                spec.ndim, err, err_len);
    if (status != LLM_OK) return status;
  }
  return LLM_OK;
}

llm_status llmrt_bind_weights(const llmrt_blob* blob, const llmrt_weight_spec* table,
                              uint32_t count, void* weights, char* err, size_t err_len) {
  llm_status status = llmrt_check_weights(blob, table, count, err, err_len);
  if (status != LLM_OK) return status;
  for (uint32_t i = 0; i < count; ++i) {
    const void* data = blob->data + blob->header->data_offset + blob->table[i].offset;
    // The member is a `const T*`; memcpy writes the pointer without naming T.
    std::memcpy(static_cast<unsigned char*>(weights) + table[i].offset, &data, sizeof(data));
  }
  return LLM_OK;
}

LLMRT_NAMESPACE_END
