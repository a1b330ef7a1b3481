// file.cpp - reading or mapping a whole file into memory.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/llmrt.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define LLMRT_HAVE_MMAP 1
#elif defined(_WIN32)
#include "runtime/windows_api.h"
#define LLMRT_HAVE_MMAP 1
#else
#define LLMRT_HAVE_MMAP 0
#endif

LLMRT_NAMESPACE_BEGIN

namespace {

#if LLMRT_HAVE_MMAP && defined(_WIN32)
// Maps a non-empty file read-only (a view of a section object, which keeps the file open until
// it is unmapped); NULL where that cannot be done (the caller then reads the file, and reports
// what goes wrong there).
const unsigned char* map_readonly(const char* path, size_t* out_size) {
  HANDLE file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return nullptr;
  LARGE_INTEGER size;
  void* data = nullptr;
  if (GetFileType(file) == FILE_TYPE_DISK && GetFileSizeEx(file, &size) && size.QuadPart > 0 &&
      static_cast<unsigned long long>(size.QuadPart) <= SIZE_MAX) {
    HANDLE section = CreateFileMappingA(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
    if (section != nullptr) {
      data = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
      CloseHandle(section);  // the view keeps the section
      if (data != nullptr) *out_size = static_cast<size_t>(size.QuadPart);
    }
  }
  CloseHandle(file);  // and the section the file
  return static_cast<const unsigned char*>(data);
}
#elif LLMRT_HAVE_MMAP
// Maps a non-empty regular file read-only; NULL where that cannot be done (the caller then reads
// the file, and reports what goes wrong there).
const unsigned char* map_readonly(const char* path, size_t* out_size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  void* data = MAP_FAILED;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      static_cast<unsigned long long>(st.st_size) <= SIZE_MAX) {
    *out_size = static_cast<size_t>(st.st_size);
    data = mmap(nullptr, *out_size, PROT_READ, MAP_PRIVATE, fd, 0);
  }
  close(fd);  // the mapping keeps the file
  return data == MAP_FAILED ? nullptr : static_cast<const unsigned char*>(data);
}
#endif

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
#if LLMRT_HAVE_MMAP && !defined(_WIN32)
  // A folder opens for reading here, and its "size" is the largest offset.
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    llmrt_format_error(err, err_len, "%s: is a folder, not a file", path);
    std::fclose(f);
    return LLM_ERR_IO;
  }
#endif
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

llm_status llmrt_map_file(const char* path, const unsigned char** out_data, size_t* out_size,
                          llmrt_storage* out_storage, char* err, size_t err_len) {
  *out_data = nullptr;
  *out_size = 0;
  *out_storage = LLMRT_STORAGE_BORROWED;
#if LLMRT_HAVE_MMAP
  size_t size = 0;
  if (const unsigned char* mapped = map_readonly(path, &size)) {
    *out_data = mapped;  // page-aligned, so 64-byte aligned
    *out_size = size;
    *out_storage = LLMRT_STORAGE_MAPPED;
    return LLM_OK;
  }
#endif
  unsigned char* data = nullptr;
  llm_status status = llmrt_read_file(path, &data, out_size, err, err_len);
  if (status != LLM_OK) return status;
  *out_data = data;
  *out_storage = LLMRT_STORAGE_HEAP;
  return LLM_OK;
}

void llmrt_unmap_file(const unsigned char* data, size_t size, llmrt_storage storage) {
  if (data == nullptr) return;
  switch (storage) {
    case LLMRT_STORAGE_HEAP:
      llmrt_free(const_cast<unsigned char*>(data));
      break;
    case LLMRT_STORAGE_MAPPED:
#if LLMRT_HAVE_MMAP && defined(_WIN32)
      (void)size;  // a view is unmapped whole
      UnmapViewOfFile(data);
#elif LLMRT_HAVE_MMAP
      munmap(const_cast<unsigned char*>(data), size);
#else
      (void)size;  // nothing is mapped where there is no mmap
#endif
      break;
    case LLMRT_STORAGE_BORROWED:
      break;
  }
}

LLMRT_NAMESPACE_END
