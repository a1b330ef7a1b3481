// file.cpp - reading a whole file into memory.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/llmrt.h"

namespace {

// The size of an open file in bytes, or -1. 64-bit offsets on every platform.
long long file_size(std::FILE* f) {
#if defined(_WIN32)
  if (_fseeki64(f, 0, SEEK_END) != 0) return -1;
  long long size = _ftelli64(f);
  if (_fseeki64(f, 0, SEEK_SET) != 0) return -1;
#else
  if (std::fseek(f, 0, SEEK_END) != 0) return -1;
  long long size = std::ftell(f);
  if (std::fseek(f, 0, SEEK_SET) != 0) return -1;
#endif
  return size;
}

}  // namespace

llm_status llmrt_read_file(const char* path, unsigned char** out_data, size_t* out_size, char* err,
                           size_t err_len) {
  *out_data = nullptr;
  *out_size = 0;
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) {
    llmrt_format_error(err, err_len, "%s: cannot open (%s)", path, std::strerror(errno));
    return LLM_ERR_IO;
  }
  long long size = file_size(f);
  if (size < 0) {
    llmrt_format_error(err, err_len, "%s: cannot determine the file size", path);
    std::fclose(f);
    return LLM_ERR_IO;
  }
  if (static_cast<unsigned long long>(size) > SIZE_MAX) {
    llmrt_format_error(err, err_len, "%s: file of %lld bytes does not fit in memory", path, size);
    std::fclose(f);
    return LLM_ERR_NO_MEMORY;
  }
  unsigned char* data = static_cast<unsigned char*>(llmrt_alloc(static_cast<size_t>(size)));
  if (data == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory reading %lld bytes", path, size);
    std::fclose(f);
    return LLM_ERR_NO_MEMORY;
  }
  // Read in chunks: some C libraries refuse single reads of several gigabytes.
  const size_t chunk = size_t(1) << 26;  // 64 MiB
  size_t done = 0;
  while (done < static_cast<size_t>(size)) {
    size_t want = static_cast<size_t>(size) - done;
    if (want > chunk) want = chunk;
    size_t got = std::fread(data + done, 1, want, f);
    if (got != want) {
      llmrt_format_error(err, err_len, "%s: read failed after %zu of %lld bytes", path,
                         done + got, size);
      llmrt_free(data);
      std::fclose(f);
      return LLM_ERR_IO;
    }
    done += got;
  }
  std::fclose(f);
  *out_data = data;
  *out_size = static_cast<size_t>(size);
  return LLM_OK;
}
