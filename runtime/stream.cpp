// stream.cpp - streamed weights (llmc compile --weights-mode streamed): weights.bin read into a
// weight buffer of a fixed budget while the model runs.
//
// The tensors outside layers (embedding, final norm, classifier) and the first layers that fit
// stay in memory (stream_plan.h); the other layers' stream units (the tensors one kernel call
// reads) are read for each token, in execution order, into one of two buffers, the next unit
// while this one computes, by two reader threads that each keep a piece of it in flight. Reads
// bypass the page cache (O_DIRECT; F_NOCACHE on macOS; FILE_FLAG_NO_BUFFERING on Windows) where
// the file system allows it, so the cache does not hold a second copy of the model; elsewhere
// they are plain reads, and the cache is told to drop what was read. Each tensor's checksum is
// checked on every read, by a checker thread that follows the readers piece by piece (so
// checking overlaps reading rather than adding to it): a weights.bin truncated or overwritten
// while the model runs is an error, never wrong numbers.
#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#include "runtime/llmrt.h"
#include "runtime/stream_plan.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define LLMRT_HAVE_PREAD 1
#else
#define LLMRT_HAVE_PREAD 0
#endif
#include "runtime/windows_api.h"

// Reader threads, each with one read in flight, so that the disk has a read queued while a reader
// waits for a core between its reads (on a busy machine, a wait as long as a read). Positional
// reads (pread, ReadFile at an offset) let them share a file; a stdio stream has one position, so
// one reader.
#if LLMRT_HAVE_PREAD || defined(_WIN32)
#define LLMRT_STREAM_READERS 2
#else
#define LLMRT_STREAM_READERS 1
#endif

LLMRT_NAMESPACE_BEGIN

namespace {

const uint64_t k_align = LLMRT_STREAM_READ_ALIGN;

uint64_t align_down(uint64_t x) { return x / k_align * k_align; }
uint64_t align_up(uint64_t x) { return (x + k_align - 1) / k_align * k_align; }

// An open weights.bin: a descriptor with pread where there is one, a handle read at offsets
// on Windows, else a stdio stream (read by one thread at a time: the opener, then the one
// reader).
struct weights_file {
#if LLMRT_HAVE_PREAD
  int fd = -1;
#elif defined(_WIN32)
  HANDLE handle = INVALID_HANDLE_VALUE;
#else
  std::FILE* f = nullptr;
#endif
  // O_DIRECT (macOS: F_NOCACHE, Windows: FILE_FLAG_NO_BUFFERING): offsets, lengths and buffers
  // 4096-aligned
  bool direct = false;
};

#if defined(_WIN32)
// errno for the last Windows error, for the messages that quote strerror(errno).
void set_errno_from_windows() {
  switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
      errno = ENOENT;
      break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
      errno = EACCES;
      break;
    case ERROR_INVALID_PARAMETER:
      errno = EINVAL;
      break;
    default:
      errno = EIO;
  }
}
#endif

bool file_open(const char* path, bool direct, weights_file* out) {
#if LLMRT_HAVE_PREAD
#ifdef O_DIRECT
  int flags = O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0);
#else
  int flags = O_RDONLY | O_CLOEXEC;
#endif
  out->fd = open(path, flags);
#ifdef __APPLE__
  // macOS has no O_DIRECT: F_NOCACHE keeps this descriptor's reads out of the page cache (the
  // aligned reads of a direct file suit it best).
  if (direct && out->fd >= 0 && fcntl(out->fd, F_NOCACHE, 1) != 0) direct = false;
#elif !defined(O_DIRECT)
  direct = false;
#endif
  out->direct = direct && out->fd >= 0;
  return out->fd >= 0;
#elif defined(_WIN32)
  // FILE_FLAG_NO_BUFFERING is Windows' O_DIRECT: reads of whole sectors (4096 covers them) into
  // aligned buffers, past the system's file cache.
  out->handle = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                            direct ? FILE_FLAG_NO_BUFFERING : FILE_ATTRIBUTE_NORMAL, nullptr);
  if (out->handle == INVALID_HANDLE_VALUE) set_errno_from_windows();
  out->direct = direct && out->handle != INVALID_HANDLE_VALUE;
  return out->handle != INVALID_HANDLE_VALUE;
#else
  if (direct) return false;
  out->f = std::fopen(path, "rb");
  return out->f != nullptr;
#endif
}

void file_close(weights_file* file) {
#if LLMRT_HAVE_PREAD
  if (file->fd >= 0) close(file->fd);
  file->fd = -1;
#elif defined(_WIN32)
  if (file->handle != INVALID_HANDLE_VALUE) CloseHandle(file->handle);
  file->handle = INVALID_HANDLE_VALUE;
#else
  if (file->f != nullptr) std::fclose(file->f);
  file->f = nullptr;
#endif
}

long long file_size(weights_file* file) {
#if LLMRT_HAVE_PREAD
  struct stat st;
  if (fstat(file->fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<long long>(st.st_size);
#elif defined(_WIN32)
  LARGE_INTEGER size;
  if (GetFileType(file->handle) != FILE_TYPE_DISK || !GetFileSizeEx(file->handle, &size))
    return -1;
  return static_cast<long long>(size.QuadPart);
#else
  if (std::fseek(file->f, 0, SEEK_END) != 0) return -1;
  return std::ftell(file->f);
#endif
}

// Reads up to `bytes` at `offset`; returns the bytes read (fewer at the end of the file), or -1
// with errno set.
long long file_read(weights_file* file, uint64_t offset, unsigned char* out, uint64_t bytes) {
  const uint64_t chunk = uint64_t(1) << 26;  // some systems refuse single reads of gigabytes
  uint64_t done = 0;
  while (done < bytes) {
    uint64_t want = bytes - done < chunk ? bytes - done : chunk;
#if LLMRT_HAVE_PREAD
    ssize_t got = pread(file->fd, out + done, size_t(want), off_t(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
#elif defined(_WIN32)
    // A synchronous handle reads at the OVERLAPPED's offset and waits: a positional read.
    OVERLAPPED at = {};
    at.Offset = DWORD(offset + done);
    at.OffsetHigh = DWORD((offset + done) >> 32);
    DWORD got = 0;
    if (!ReadFile(file->handle, out + done, DWORD(want), &got, &at) &&
        GetLastError() != ERROR_HANDLE_EOF) {
      set_errno_from_windows();
      return -1;
    }
#else
    if (std::fseek(file->f, long(offset + done), SEEK_SET) != 0) return -1;
    size_t got = std::fread(out + done, 1, size_t(want), file->f);
    if (got == 0 && std::ferror(file->f)) return -1;
#endif
    if (got == 0) break;
    done += uint64_t(got);
  }
  return static_cast<long long>(done);
}

// The page cache may drop what a plain read brought in: the copy the model keeps is enough.
void file_drop_cache(weights_file* file, uint64_t offset, uint64_t bytes) {
#if LLMRT_HAVE_PREAD && defined(POSIX_FADV_DONTNEED)
  if (!file->direct) posix_fadvise(file->fd, off_t(offset), off_t(bytes), POSIX_FADV_DONTNEED);
#else
  (void)file;
  (void)offset;
  (void)bytes;
#endif
}

// A layer's tensors, or a stream unit's: table entries [first, end), contiguous in the file.
struct tensor_span {
  uint32_t first;
  uint32_t end;
  uint64_t offset;  // in the file, of the first tensor
  uint64_t bytes;   // to the end of the last tensor, rounded up to 64
  int layer;        // whose tensors they are
};

enum slot_state { SLOT_EMPTY, SLOT_QUEUED, SLOT_READING, SLOT_READY, SLOT_FAILED };

// A slot in SLOT_READING is filled by the readers, a piece each at a time, and checked by the
// checker behind them, piece by piece in file order; it becomes SLOT_READY (or SLOT_FAILED) when
// all are done with it.
struct read_slot {
  unsigned char* buffer = nullptr;  // (plan.slot_bytes[i]) 4096-aligned, in st->memory
  int unit = -1;
  slot_state state = SLOT_EMPTY;
  uint64_t queued = 0;     // when it was queued: readers take pieces of the earliest first
  const unsigned char* unit_data = nullptr;  // where the unit's first tensor lands in buffer
  uint64_t first = 0;      // the file bytes [first, end) read into buffer (4096-aligned when
  uint64_t end = 0;        // direct), in pieces of piece_bytes
  uint64_t need = 0;       // the end of the unit's last tensor in the file
  uint64_t piece_bytes = 0;
  uint32_t pieces = 0;
  uint32_t claimed = 0;    // pieces a reader has started
  uint32_t finished = 0;   // pieces a reader has finished
  uint64_t done_mask = 0;  // bit p: piece p read
  uint64_t file_end = 0;   // where a read found the end of the file (past need), else end
  uint64_t filled = 0;     // bytes of unit data (from unit_data) read so far, with no gap
  bool reading = false;    // the readers have not finished this slot
  bool checking = false;   // the checker has not finished this slot
  bool failed = false;     // the read or a checksum failed; error says why
  char error[512] = "";
};

}  // namespace

struct llmrt_stream {
  char path[256];
  weights_file file;         // the open-time reads, then the readers'
  llmrt_blob_header header;
  llmrt_tensor_entry* table;  // (header.tensor_count) a copy of the validated table
  const llmrt_weight_spec* specs;
  void* weights;              // the model's Weights: a pointer per tensor
  tensor_span* layers;        // (layer_count)
  uint32_t layer_count;
  tensor_span* units;         // (unit_count) in execution order
  uint32_t unit_count;
  llmrt_stream_plan plan;
  uint64_t budget;
  void* memory;               // (plan.total_bytes + k_align) resident tensors, then the slots
  read_slot slots[2];
  int current = -1;           // the slot whose unit the model is computing, -1 before the first
  std::mutex mutex;
  std::condition_variable changed;
  std::thread readers[LLMRT_STREAM_READERS];
  std::thread checker;        // checksums what the readers have read, while they read on
  uint64_t queued = 0;        // slots queued since open
  bool stop = false;
  uint64_t bytes_read = 0;    // streamed units, since open
  uint64_t layers_read = 0;   // streamed layers whose last unit was read, since open
  double wait_seconds = 0;
  char error[512] = "";       // why the last llmrt_stream_unit failed
};

namespace {

// Reads of a unit are split into pieces of this many bytes (more where a unit would need more
// than k_max_pieces), each handed to the checker as it lands, so that checksumming overlaps the
// reading of the next pieces instead of following the whole unit's read.
const uint64_t k_piece = uint64_t(1) << 23;
const uint32_t k_max_pieces = 64;  // the bits of read_slot::done_mask

// A slot's read and check are both over: it is ready or failed. Holds the lock.
void finish_slot(llmrt_stream* st, read_slot* s) {
  if (s->reading || s->checking) return;
  s->state = s->failed ? SLOT_FAILED : SLOT_READY;
  st->changed.notify_all();
}

void fail_slot(read_slot* s, const char* error) {
  if (s->failed) return;  // the first failure says why
  s->failed = true;
  std::snprintf(s->error, sizeof s->error, "%s", error);
}

// Waits for a slot that `wanted` accepts, the one queued first where both are (the unit the model
// waits for, or will next); nullptr once the stream stops. Holds the lock.
template <typename Wanted>
read_slot* wait_for_slot(llmrt_stream* st, std::unique_lock<std::mutex>& lock, Wanted wanted) {
  read_slot* found = nullptr;
  st->changed.wait(lock, [&] {
    if (st->stop) return true;
    for (read_slot& s : st->slots)
      if (wanted(s) && (found == nullptr || s.queued < found->queued)) found = &s;
    return found != nullptr;
  });
  return st->stop ? nullptr : found;
}

// Starts reading the unit queued in slot s: its file range and pieces. Holds the lock.
void start_slot(llmrt_stream* st, read_slot* s) {
  const tensor_span& span = st->units[s->unit];
  const uint64_t start = st->header.data_offset + span.offset;
  // The last tensor ends before the 64-byte padding, which the end of the file may omit.
  const llmrt_tensor_entry& last = st->table[span.end - 1];
  s->need = start + (last.offset + last.size - span.offset);
  s->first = st->file.direct ? align_down(start) : start;
  s->end = st->file.direct ? align_up(start + span.bytes) : start + span.bytes;
  s->unit_data = s->buffer + (start - s->first);
  const uint64_t bytes = s->end - s->first;
  s->piece_bytes = k_piece;
  if (bytes > k_piece * k_max_pieces) s->piece_bytes = align_up((bytes - 1) / k_max_pieces + 1);
  s->pieces = uint32_t((bytes + s->piece_bytes - 1) / s->piece_bytes);
  s->claimed = s->finished = 0;
  s->done_mask = 0;
  s->file_end = s->end;
  s->filled = 0;
  s->state = SLOT_READING;
  s->reading = true;
  s->checking = true;
  s->failed = false;
  st->changed.notify_all();
}

// Records piece p of slot s, which read `got` of `want` bytes at file offset `at` (-1: failed
// with read_errno): a failure, or the unit data read with no gap, for the checker. Holds the lock.
void finish_piece(llmrt_stream* st, read_slot* s, uint32_t p, uint64_t at, uint64_t want,
                  long long got, int read_errno) {
  const tensor_span& span = st->units[s->unit];
  const int l = span.layer;
  char error[512];
  if (got < 0) {
    std::snprintf(error, sizeof error, "%s: reading layer %d failed (%s)", st->path, l,
                  std::strerror(read_errno));
    fail_slot(s, error);
  } else if (uint64_t(got) < want && at + uint64_t(got) < s->need) {
    const llmrt_tensor_entry& last = st->table[span.end - 1];
    std::snprintf(error, sizeof error,
                  "%s: tensor '%s' of layer %d ends at byte %llu but the file ends at %llu "
                  "(truncated since llm_open?)",
                  st->path, last.name, l, static_cast<unsigned long long>(s->need),
                  static_cast<unsigned long long>(at + uint64_t(got)));
    fail_slot(s, error);
  } else {
    s->done_mask |= uint64_t(1) << p;
    if (uint64_t(got) < want && at + uint64_t(got) < s->file_end) s->file_end = at + uint64_t(got);
    uint32_t read_through = 0;  // pieces read from the first with no gap
    while (read_through < s->pieces && (s->done_mask >> read_through & 1) != 0) ++read_through;
    uint64_t upto = s->first + uint64_t(read_through) * s->piece_bytes;
    if (upto > s->file_end) upto = s->file_end;
    const uint64_t start = s->first + uint64_t(s->unit_data - s->buffer);
    if (upto > start && upto - start > s->filled) s->filled = upto - start;
  }
  s->finished += 1;
  if (s->finished == s->claimed && (s->failed || s->finished == s->pieces)) {
    s->reading = false;
    if (!s->failed) {
      file_drop_cache(&st->file, s->first, s->end - s->first);
      st->bytes_read += span.bytes;
      if (span.end == st->layers[l].end) st->layers_read += 1;
    }
    finish_slot(st, s);
  }
  st->changed.notify_all();
}

// Each reader takes the next piece of the earliest queued unit, reads it and records it.
void reader_main(llmrt_stream* st) {
  std::unique_lock<std::mutex> lock(st->mutex);
  for (;;) {
    read_slot* s = wait_for_slot(st, lock, [](const read_slot& slot) {
      return slot.state == SLOT_QUEUED ||
             (slot.state == SLOT_READING && !slot.failed && slot.claimed < slot.pieces);
    });
    if (s == nullptr) return;
    if (s->state == SLOT_QUEUED) start_slot(st, s);
    const uint32_t p = s->claimed++;
    const uint64_t at = s->first + uint64_t(p) * s->piece_bytes;
    const uint64_t want = s->end - at < s->piece_bytes ? s->end - at : s->piece_bytes;
    unsigned char* into = s->buffer + (at - s->first);
    lock.unlock();
    const long long got = file_read(&st->file, at, into, want);
    const int read_errno = errno;
    lock.lock();
    finish_piece(st, s, p, at, want, got, read_errno);
  }
}

// Checks the checksum of every tensor of the slot the reader is filling, each piece as it lands.
void checker_main(llmrt_stream* st) {
  std::unique_lock<std::mutex> lock(st->mutex);
  for (;;) {
    read_slot* s = wait_for_slot(st, lock, [](const read_slot& slot) { return slot.checking; });
    if (s == nullptr) return;
    const tensor_span& span = st->units[s->unit];
    const int l = span.layer;
    uint32_t i = span.first;
    llmrt_hasher hasher;
    llmrt_hasher_init(&hasher);
    uint64_t hashed = 0;  // of tensor i's bytes
    while (i < span.end && !s->failed) {
      const llmrt_tensor_entry& e = st->table[i];
      const uint64_t begin = e.offset - span.offset;  // in the unit's data
      if (hashed < e.size) {
        st->changed.wait(lock, [&] {
          return st->stop || s->failed || s->filled > begin + hashed || !s->reading;
        });
        if (st->stop) return;
        if (s->failed) break;
        uint64_t upto = s->filled < begin + e.size ? s->filled : begin + e.size;
        if (upto <= begin + hashed) break;  // the reader stopped short without saying why
        const unsigned char* data = s->unit_data + begin + hashed;
        lock.unlock();
        llmrt_hasher_update(&hasher, data, size_t(upto - begin - hashed));
        lock.lock();
        hashed = upto - begin;
        if (hashed < e.size) continue;
      }
      if (llmrt_hasher_final(&hasher) != e.checksum) {
        s->failed = true;
        std::snprintf(s->error, sizeof s->error,
                      "%s: checksum mismatch in tensor '%s' read for layer %d (weights.bin "
                      "changed since llm_open?)",
                      st->path, e.name, l);
        break;
      }
      ++i;
      llmrt_hasher_init(&hasher);
      hashed = 0;
    }
    if (i < span.end && !s->failed) {
      s->failed = true;
      std::snprintf(s->error, sizeof s->error, "%s: tensor '%s' of layer %d was not read whole",
                    st->path, st->table[i].name, l);
    }
    s->checking = false;
    finish_slot(st, s);
  }
}

// Queues unit `u` into slot s once the reader and checker are done with it. Holds the lock.
void queue_read(llmrt_stream* st, std::unique_lock<std::mutex>& lock, read_slot* s, int u) {
  st->changed.wait(lock, [&] {
    return s->state != SLOT_READING && s->state != SLOT_QUEUED && !s->reading && !s->checking;
  });
  s->unit = u;
  s->queued = ++st->queued;
  s->state = SLOT_QUEUED;
  s->error[0] = '\0';
  st->changed.notify_all();
}

// Points the Weights members of the span's tensors at `data`, where its first tensor is.
void bind_span(llmrt_stream* st, const tensor_span& span, const unsigned char* data) {
  for (uint32_t i = span.first; i < span.end; ++i) {
    const void* p = data + (st->table[i].offset - span.offset);
    std::memcpy(static_cast<unsigned char*>(st->weights) + st->specs[i].offset, &p, sizeof p);
  }
}

// Splits the table into layers: "layers.N.*" tensors, each layer a run of table entries whose
// bytes follow each other in the file, as llmc writes them. Sums the rest into *out_other.
llm_status find_layers(llmrt_stream* st, uint64_t* out_other, char* err, size_t err_len) {
  uint32_t count = st->header.tensor_count;
  int layers = 0;
  for (uint32_t i = 0; i < count; ++i) {
    int l = llmrt_stream_layer_of(st->table[i].name);
    if (l + 1 > layers) layers = l + 1;
  }
  st->layer_count = uint32_t(layers);
  st->layers = static_cast<tensor_span*>(llmrt_alloc(sizeof(tensor_span) * size_t(layers + 1)));
  if (st->layers == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory for the layer table", st->path);
    return LLM_ERR_NO_MEMORY;
  }
  *out_other = 0;
  for (uint32_t i = 0; i < count;) {
    const llmrt_tensor_entry& e = st->table[i];
    int l = llmrt_stream_layer_of(e.name);
    if (l < 0) {
      *out_other += llmrt_stream_align64(e.size);
      ++i;
      continue;
    }
    tensor_span& span = st->layers[l];
    if (span.end != 0) {
      llmrt_format_error(err, err_len,
                         "%s: the tensors of layer %d are not together in the table (tensor "
                         "'%s'); streamed weights need the order llmc writes",
                         st->path, l, e.name);
      return LLM_ERR_FORMAT;
    }
    span.first = i;
    span.offset = e.offset;
    span.layer = l;
    uint64_t end = e.offset;
    for (; i < count && llmrt_stream_layer_of(st->table[i].name) == l; ++i) {
      if (st->table[i].offset != end) {
        llmrt_format_error(err, err_len,
                           "%s: tensor '%s' of layer %d does not follow the one before it in "
                           "the file; streamed weights need the layout llmc writes",
                           st->path, st->table[i].name, l);
        return LLM_ERR_FORMAT;
      }
      end = llmrt_stream_align64(st->table[i].offset + st->table[i].size);
    }
    span.end = i;
    span.bytes = end - span.offset;
  }
  for (int l = 0; l < layers; ++l) {
    if (st->layers[l].end == 0) {
      llmrt_format_error(err, err_len, "%s: layer %d has no tensors", st->path, l);
      return LLM_ERR_FORMAT;
    }
  }
  return LLM_OK;
}

// Splits the layers into the model's stream units (`starts`, count: each unit's first tensor,
// ascending, every layer's first tensor among them).
llm_status find_units(llmrt_stream* st, const uint32_t* starts, uint32_t count, char* err,
                      size_t err_len) {
  st->units = static_cast<tensor_span*>(llmrt_alloc(sizeof(tensor_span) * size_t(count + 1)));
  if (st->units == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory for the stream units", st->path);
    return LLM_ERR_NO_MEMORY;
  }
  st->unit_count = count;
  int layer = -1;
  for (uint32_t u = 0; u <= count; ++u) {
    // A unit starts each layer, in order, and the units of the last layer end the table's layers.
    bool ok = true;
    int l = -1;
    if (u < count) {
      ok = starts[u] < st->header.tensor_count && (u == 0 || starts[u] > starts[u - 1]);
      l = ok ? llmrt_stream_layer_of(st->table[starts[u]].name) : -1;
      ok = ok && l >= 0 && (l == layer || (l == layer + 1 && starts[u] == st->layers[l].first));
    } else {
      ok = layer + 1 == int(st->layer_count);
    }
    if (!ok) {
      const char* name = u < count && starts[u] < st->header.tensor_count
                             ? st->table[starts[u]].name
                             : "(none)";
      llmrt_format_error(err, err_len,
                         "%s: the model's stream unit %u (tensor '%s') does not fit the layers of "
                         "the table; weights.bin and model.cpp must come from the same llmc "
                         "compile",
                         st->path, u, name);
      return LLM_ERR_FORMAT;
    }
    if (u == count) break;
    layer = l;
    const bool last = u + 1 == count || starts[u + 1] >= st->layers[l].end;
    tensor_span& span = st->units[u];
    span.first = starts[u];
    span.end = last ? st->layers[l].end : starts[u + 1];
    span.offset = st->table[span.first].offset;
    span.bytes = (last ? st->layers[l].offset + st->layers[l].bytes
                       : st->table[span.end].offset) -
                 span.offset;
    span.layer = l;
  }
  return LLM_OK;
}

// Reads `bytes` at data-region offset `offset` into `out` and checks tensors [first, end)
// against their checksums (each at its table offset less `offset`).
llm_status read_resident(llmrt_stream* st, uint64_t offset, uint64_t bytes, uint32_t first,
                         uint32_t end, unsigned char* out, char* err, size_t err_len) {
  const llmrt_tensor_entry& last = st->table[end - 1];
  uint64_t need = last.offset + last.size - offset;
  long long got = file_read(&st->file, st->header.data_offset + offset, out, bytes);
  if (got < 0 || uint64_t(got) < need) {
    llmrt_format_error(err, err_len, "%s: cannot read tensor '%s' (%s)", st->path,
                       st->table[first].name, got < 0 ? std::strerror(errno) : "file too short");
    return LLM_ERR_IO;
  }
  file_drop_cache(&st->file, st->header.data_offset + offset, bytes);
  for (uint32_t i = first; i < end; ++i) {
    const llmrt_tensor_entry& e = st->table[i];
    if (llmrt_hash64(out + (e.offset - offset), e.size) != e.checksum) {
      llmrt_format_error(err, err_len, "%s: checksum mismatch in tensor '%s' (file corrupted)",
                         st->path, e.name);
      return LLM_ERR_FORMAT;
    }
  }
  return LLM_OK;
}

// Reads and checks the header and table, and binds them as a blob view to check the specs.
llm_status read_table(llmrt_stream* st, const llmrt_weight_spec* specs, uint32_t count, char* err,
                      size_t err_len) {
  long long size = file_size(&st->file);
  if (size < 0) {
    llmrt_format_error(err, err_len, "%s: not a regular file", st->path);
    return LLM_ERR_IO;
  }
  llmrt_blob_header header = {};
  long long got = file_read(&st->file, 0, reinterpret_cast<unsigned char*>(&header),
                            sizeof header);
  if (got < 0) {
    llmrt_format_error(err, err_len, "%s: cannot read (%s)", st->path, std::strerror(errno));
    return LLM_ERR_IO;
  }
  // The header and the table up to the data region, when the header's data offset is in the
  // file; else the header alone, which llmrt_blob_check_table then refuses.
  uint64_t prefix = uint64_t(got) == sizeof header && header.data_offset <= uint64_t(size)
                        ? header.data_offset
                        : uint64_t(got);
  if (prefix < uint64_t(got)) prefix = uint64_t(got);
  unsigned char* bytes = static_cast<unsigned char*>(llmrt_alloc(size_t(prefix) + 1));
  if (bytes == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory for the tensor table", st->path);
    return LLM_ERR_NO_MEMORY;
  }
  got = file_read(&st->file, 0, bytes, prefix);
  llm_status status =
      got == static_cast<long long>(prefix)
          ? llmrt_blob_check_table(bytes, size_t(prefix), uint64_t(size), st->path, err, err_len)
          : LLM_ERR_IO;
  if (status == LLM_ERR_IO)
    llmrt_format_error(err, err_len, "%s: cannot read the tensor table", st->path);
  if (status == LLM_OK) {
    std::memcpy(&st->header, bytes, sizeof st->header);
    size_t table_bytes = size_t(st->header.table_size);
    st->table = static_cast<llmrt_tensor_entry*>(llmrt_alloc(table_bytes + 1));
    if (st->table == nullptr) {
      llmrt_format_error(err, err_len, "%s: out of memory for the tensor table", st->path);
      status = LLM_ERR_NO_MEMORY;
    } else {
      std::memcpy(st->table, bytes + st->header.table_offset, table_bytes);
      llmrt_blob view = {};
      view.header = &st->header;
      view.table = st->table;
      view.storage = LLMRT_STORAGE_MAPPED;  // messages call it a file
      std::snprintf(view.path, sizeof view.path, "%s", st->path);
      status = llmrt_check_weights(&view, specs, count, err, err_len);
    }
  }
  llmrt_free(bytes);
  return status;
}

// Plans the buffer, reads the resident tensors into it and binds them.
llm_status load_resident(llmrt_stream* st, const uint32_t* units, uint32_t unit_count, char* err,
                         size_t err_len) {
  uint64_t other = 0;
  llm_status status = find_layers(st, &other, err, err_len);
  if (status == LLM_OK) status = find_units(st, units, unit_count, err, err_len);
  if (status != LLM_OK) return status;
  uint64_t* unit_bytes = static_cast<uint64_t*>(llmrt_alloc(sizeof(uint64_t) * (unit_count + 1)));
  uint32_t* unit_layer = static_cast<uint32_t*>(llmrt_alloc(sizeof(uint32_t) * (unit_count + 1)));
  bool fits = false;
  long misfit = -1;
  if (unit_bytes != nullptr && unit_layer != nullptr) {
    for (uint32_t u = 0; u < unit_count; ++u) {
      unit_bytes[u] = st->units[u].bytes;
      unit_layer[u] = uint32_t(st->units[u].layer);
    }
    fits = llmrt_plan_stream(unit_bytes, unit_layer, unit_count, st->layer_count, other,
                             st->budget, &st->plan);
    if (fits) misfit = llmrt_stream_plan_misfit(&st->plan, unit_bytes, unit_count);
  }
  const bool allocated = unit_bytes != nullptr && unit_layer != nullptr;
  llmrt_free(unit_bytes);
  llmrt_free(unit_layer);
  if (!allocated) {
    llmrt_format_error(err, err_len, "%s: out of memory for the stream plan", st->path);
    return LLM_ERR_NO_MEMORY;
  }
  if (!fits) {
    llmrt_format_error(err, err_len,
                       "%s: a weights budget of %llu bytes is too small: the tensors outside "
                       "layers and two read buffers for the ops' weights need at least "
                       "%llu (llm_open_options.weights_budget, llmc compile --weights-budget)",
                       st->path, static_cast<unsigned long long>(st->budget),
                       static_cast<unsigned long long>(st->plan.min_budget));
    return LLM_ERR_ARGUMENT;
  }
  if (misfit >= 0) {
    llmrt_format_error(err, err_len,
                       "%s: internal error: the stream plan reads unit %ld (tensor '%s', %llu "
                       "bytes) into a read buffer too small for it",
                       st->path, misfit, st->table[st->units[misfit].first].name,
                       static_cast<unsigned long long>(st->units[misfit].bytes));
    return LLM_ERR_FORMAT;
  }
  st->memory = llmrt_alloc(size_t(st->plan.total_bytes + k_align));
  if (st->memory == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory for a weight buffer of %llu bytes",
                       st->path, static_cast<unsigned long long>(st->plan.total_bytes));
    return LLM_ERR_NO_MEMORY;
  }
  unsigned char* base = static_cast<unsigned char*>(st->memory);
  unsigned char* slots = base + align_up(reinterpret_cast<uintptr_t>(base) +
                                         st->plan.resident_bytes) -
                         reinterpret_cast<uintptr_t>(base);
  st->slots[0].buffer = slots;
  st->slots[1].buffer = slots + st->plan.slot_bytes[0];
  // The tensors outside layers one by one, then the resident layers whole.
  uint64_t used = 0;
  for (uint32_t i = 0; i < st->header.tensor_count; ++i) {
    const llmrt_tensor_entry& e = st->table[i];
    if (llmrt_stream_layer_of(e.name) >= 0) continue;
    status = read_resident(st, e.offset, e.size, i, i + 1, base + used, err, err_len);
    if (status != LLM_OK) return status;
    const void* p = base + used;
    std::memcpy(static_cast<unsigned char*>(st->weights) + st->specs[i].offset, &p, sizeof p);
    used += llmrt_stream_align64(e.size);
  }
  for (uint32_t l = 0; l < st->plan.resident_layers; ++l) {
    const tensor_span& span = st->layers[l];
    const llmrt_tensor_entry& last = st->table[span.end - 1];
    status = read_resident(st, span.offset, last.offset + last.size - span.offset, span.first,
                           span.end, base + used, err, err_len);
    if (status != LLM_OK) return status;
    bind_span(st, span, base + used);
    used += span.bytes;
  }
  // Read-ahead brought in pages beyond the tensors read: the cache may drop the whole file.
  file_drop_cache(&st->file, 0, st->header.file_size);
  return LLM_OK;
}

void stream_close(llmrt_stream* st) {
  if (st == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(st->mutex);
    st->stop = true;
  }
  st->changed.notify_all();
  for (std::thread& reader : st->readers)
    if (reader.joinable()) reader.join();
  if (st->checker.joinable()) st->checker.join();
  file_close(&st->file);
  llmrt_free(st->memory);
  llmrt_free(st->layers);
  llmrt_free(st->units);
  llmrt_free(st->table);
  st->~llmrt_stream();
  llmrt_free(st);
}

llm_status stream_open(const char* path, const llmrt_weight_spec* specs, uint32_t count,
                       const uint32_t* units, uint32_t unit_count, uint64_t budget, void* weights,
                       llmrt_stream** out_stream, char* err, size_t err_len) {
  *out_stream = nullptr;
  void* memory = llmrt_alloc(sizeof(llmrt_stream));
  if (memory == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory", path);
    return LLM_ERR_NO_MEMORY;
  }
  llmrt_stream* st = new (memory) llmrt_stream();
  std::snprintf(st->path, sizeof st->path, "%s", path);
  st->specs = specs;
  st->weights = weights;
  st->budget = budget;
  if (!file_open(path, false, &st->file)) {
    llmrt_format_error(err, err_len, "%s: cannot open (%s)", path, std::strerror(errno));
    stream_close(st);
    return LLM_ERR_IO;
  }
  llm_status status = read_table(st, specs, count, err, err_len);
  if (status == LLM_OK) status = load_resident(st, units, unit_count, err, err_len);
  if (status != LLM_OK) {
    stream_close(st);
    return status;
  }
  if (st->plan.resident_layers < st->layer_count) {
    // The readers' own descriptor, without the page cache where the file system allows: tried
    // with a first read, which a file system that opens with O_DIRECT but cannot read so (tmpfs)
    // refuses with EINVAL.
    weights_file direct;
    if (file_open(path, true, &direct)) {
      if (file_read(&direct, 0, st->slots[0].buffer, k_align) >= 0) {
        file_close(&st->file);
        st->file = direct;
      } else {
        file_close(&direct);
      }
    }
    for (std::thread& reader : st->readers) reader = std::thread(reader_main, st);
    st->checker = std::thread(checker_main, st);
  }
  *out_stream = st;
  return LLM_OK;
}

void stream_stats(const llmrt_stream* st, llm_stream_stats* out) {
  llmrt_stream* s = const_cast<llmrt_stream*>(st);
  std::lock_guard<std::mutex> lock(s->mutex);
  out->budget_bytes = s->budget;
  out->buffer_bytes = s->plan.total_bytes;
  out->layers = int(s->layer_count);
  out->resident_layers = int(s->plan.resident_layers);
  out->direct_io = s->file.direct ? 1 : 0;
  out->bytes_read = s->bytes_read;
  out->layers_read = s->layers_read;
  out->wait_seconds = s->wait_seconds;
}

const char* stream_error(const llmrt_stream* st) { return st->error; }

}  // namespace

const llmrt_stream_ops llmrt_stream_reader = {stream_open, stream_close, stream_stats,
                                              stream_error};

bool llmrt_stream_unit(llm_model* m, int unit) {
  llmrt_stream* st = m->stream;
  st->error[0] = '\0';
  if (unit < 0 || uint32_t(unit) < st->plan.first_streamed) return true;
  std::unique_lock<std::mutex> lock(st->mutex);
  read_slot* s = nullptr;
  for (read_slot& slot : st->slots)
    if (slot.unit == unit && slot.state != SLOT_EMPTY && slot.state != SLOT_FAILED) s = &slot;
  if (s == nullptr) {
    // The buffer the plan sized for this unit (by its parity), else the one the model is done
    // with.
    const int planned = llmrt_stream_slot_of(&st->plan, uint32_t(unit));
    s = &st->slots[planned >= 0 ? planned : st->current == 0 ? 1 : 0];
    queue_read(st, lock, s, unit);
  }
  // The next streamed unit (after the last, the first streamed one of the next token) goes into
  // the other buffer, whose unit the model is done with: it called for this one (in a plan by
  // parity, an even number of units a token, that is the next unit's own buffer). Queued before
  // waiting: the readers take units in the order they were queued, so they go on to it as soon
  // as this unit is read, without waiting for the checker and this thread.
  read_slot* other = &st->slots[s == &st->slots[0] ? 1 : 0];
  const int next =
      uint32_t(unit + 1) < st->unit_count ? unit + 1 : int(st->plan.first_streamed);
  if (next != unit && !(other->unit == next && other->state != SLOT_FAILED))
    queue_read(st, lock, other, next);
  auto start = std::chrono::steady_clock::now();
  st->changed.wait(lock, [&] { return s->state == SLOT_READY || s->state == SLOT_FAILED; });
  st->wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                          .count();
  if (s->state == SLOT_FAILED) {
    std::snprintf(st->error, sizeof st->error, "%s", s->error);
    s->state = SLOT_EMPTY;
    s->unit = -1;
    return false;
  }
  st->current = int(s - st->slots);
  bind_span(st, st->units[unit], s->unit_data);
  return true;
}

LLMRT_NAMESPACE_END
