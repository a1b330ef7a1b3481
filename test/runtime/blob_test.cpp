// blob_test.cpp - weights.bin loading: a valid blob loads (mapped read-only) and binds; every kind
// of corruption is refused with LLM_ERR_FORMAT and a message naming the file and the problem.
#include <cstddef>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/test_util.h"

namespace {

using llmrt_test::AlignedCopy;
using llmrt_test::BlobImage;
using llmrt_test::temp_path;
using llmrt_test::TestTensor;
using llmrt_test::write_file;

std::vector<TestTensor> sample_tensors() {
  return {
      {"tok_embeddings", LLMRT_DTYPE_F32, {7, 5}},
      {"layers.0.q_proj", LLMRT_DTYPE_F32, {5, 5}},
      {"layers.0.norm", LLMRT_DTYPE_F16, {5}},
      {"layers.0.mlp", LLMRT_DTYPE_BF16, {2, 3, 4, 3}},
  };
}

class BlobTest : public ::testing::Test {
 protected:
  // Writes the image and loads it; returns the status, message in err_.
  llm_status load(const BlobImage& image) {
    path_ = temp_path("weights.bin");
    write_file(path_, image.bytes);
    llm_status s = llmrt_blob_load(path_.c_str(), &blob_, err_, sizeof(err_));
    return s;
  }
  // The load must fail as a format error that names the file and contains `phrase`; so must
  // llmrt_blob_open_memory on the same bytes, whose message calls them a blob instead of a file.
  void expect_format_error(const BlobImage& image, const char* phrase) {
    std::memset(err_, 0, sizeof(err_));
    EXPECT_EQ(load(image), LLM_ERR_FORMAT);
    EXPECT_NE(std::strstr(err_, path_.c_str()), nullptr) << err_;
    EXPECT_NE(std::strstr(err_, phrase), nullptr) << "message: " << err_ << "\nwanted: " << phrase;
    EXPECT_EQ(blob_.data, nullptr);

    std::string memory_phrase = phrase;
    for (size_t at; (at = memory_phrase.find("file")) != std::string::npos;) {
      memory_phrase.replace(at, 4, "blob");
    }
    AlignedCopy copy(image.bytes);
    llmrt_blob blob;
    char err[512] = {};
    EXPECT_EQ(llmrt_blob_open_memory(copy.data, copy.size, "weights in memory", &blob, err,
                                     sizeof(err)),
              LLM_ERR_FORMAT);
    EXPECT_EQ(std::strncmp(err, "weights in memory: ", 19), 0) << err;
    EXPECT_NE(std::strstr(err, memory_phrase.c_str()), nullptr)
        << "message: " << err << "\nwanted: " << memory_phrase;
    EXPECT_EQ(blob.data, nullptr);
  }
  void TearDown() override {
    llmrt_blob_free(&blob_);
    if (!path_.empty()) std::remove(path_.c_str());
  }

  std::string path_;
  llmrt_blob blob_ = {};
  char err_[512] = {};
};

TEST_F(BlobTest, LoadsValidBlobAndBindsTensors) {
  BlobImage image(sample_tensors());
  ASSERT_EQ(load(image), LLM_OK) << err_;
  EXPECT_EQ(blob_.size, image.bytes.size());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(blob_.data) % LLMRT_BLOB_ALIGN, 0u);
  EXPECT_EQ(blob_.header->tensor_count, 4u);

  const uint64_t dims[] = {5, 5};
  const void* data = nullptr;
  ASSERT_EQ(llmrt_blob_tensor(&blob_, 1, "layers.0.q_proj", LLMRT_DTYPE_F32, dims, 2, &data, err_,
                              sizeof(err_)),
            LLM_OK)
      << err_;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % LLMRT_BLOB_ALIGN, 0u);
  EXPECT_EQ(std::memcmp(data, image.tensor_data(1), 5 * 5 * 4), 0);
}

TEST_F(BlobTest, LoadsEmptyTable) {
  BlobImage image({});
  EXPECT_EQ(load(image), LLM_OK) << err_;
}

TEST_F(BlobTest, BindingChecksIndexNameDtypeAndShape) {
  BlobImage image(sample_tensors());
  ASSERT_EQ(load(image), LLM_OK) << err_;
  const uint64_t dims[] = {5, 5};
  const uint64_t wrong_dims[] = {5, 6};
  const void* data = nullptr;
  EXPECT_EQ(llmrt_blob_tensor(&blob_, 9, "x", LLMRT_DTYPE_F32, dims, 2, &data, err_, sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "only 4 tensors"), nullptr) << err_;
  EXPECT_EQ(llmrt_blob_tensor(&blob_, 1, "layers.0.k_proj", LLMRT_DTYPE_F32, dims, 2, &data, err_,
                              sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "tensor 1 is 'layers.0.q_proj' but the model expects "
                              "'layers.0.k_proj'"),
            nullptr)
      << err_;
  EXPECT_EQ(llmrt_blob_tensor(&blob_, 1, "layers.0.q_proj", LLMRT_DTYPE_F16, dims, 2, &data, err_,
                              sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "has dtype f32 but the model expects f16"), nullptr) << err_;
  EXPECT_EQ(llmrt_blob_tensor(&blob_, 1, "layers.0.q_proj", LLMRT_DTYPE_F32, wrong_dims, 2, &data,
                              err_, sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "has shape [5, 5] but the model expects [5, 6]"), nullptr) << err_;
  EXPECT_NE(std::strstr(err_, path_.c_str()), nullptr) << err_;
  EXPECT_EQ(llmrt_blob_tensor(&blob_, 1, "layers.0.q_proj", LLMRT_DTYPE_F32, dims, 1, &data, err_,
                              sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_EQ(data, nullptr);
}

// The Weights struct and table a generated model.cpp would have for sample_tensors().
struct SampleWeights {
  const float* tok_embeddings;
  const float* q_proj;
  const void* norm;
  const void* mlp;
};

std::vector<llmrt_weight_spec> sample_weight_table() {
  return {
      {"tok_embeddings", LLMRT_DTYPE_F32, 2, {7, 5}, offsetof(SampleWeights, tok_embeddings)},
      {"layers.0.q_proj", LLMRT_DTYPE_F32, 2, {5, 5}, offsetof(SampleWeights, q_proj)},
      {"layers.0.norm", LLMRT_DTYPE_F16, 1, {5}, offsetof(SampleWeights, norm)},
      {"layers.0.mlp", LLMRT_DTYPE_BF16, 4, {2, 3, 4, 3}, offsetof(SampleWeights, mlp)},
  };
}

TEST_F(BlobTest, BindsAWeightTableIntoTheNamedMembers) {
  BlobImage image(sample_tensors());
  ASSERT_EQ(load(image), LLM_OK) << err_;
  std::vector<llmrt_weight_spec> table = sample_weight_table();
  SampleWeights w = {};
  ASSERT_EQ(llmrt_bind_weights(&blob_, table.data(), uint32_t(table.size()), &w, err_,
                               sizeof(err_)),
            LLM_OK)
      << err_;
  const unsigned char* data = blob_.data + blob_.header->data_offset;
  EXPECT_EQ(static_cast<const void*>(w.tok_embeddings), data + image.entry(0)->offset);
  EXPECT_EQ(static_cast<const void*>(w.q_proj), data + image.entry(1)->offset);
  EXPECT_EQ(w.norm, data + image.entry(2)->offset);
  EXPECT_EQ(w.mlp, data + image.entry(3)->offset);
  EXPECT_EQ(std::memcmp(w.q_proj, image.tensor_data(1), 5 * 5 * 4), 0);
}

// Binds the sample table after edit(table) and expects LLM_ERR_FORMAT with `message` (and the
// file's path) in err_.
void expect_bind_error(const llmrt_blob* blob, const std::string& path,
                       const std::function<void(std::vector<llmrt_weight_spec>&)>& edit,
                       const char* message) {
  std::vector<llmrt_weight_spec> table = sample_weight_table();
  edit(table);
  SampleWeights w = {};
  char err[512] = {};
  EXPECT_EQ(llmrt_bind_weights(blob, table.data(), uint32_t(table.size()), &w, err, sizeof(err)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err, message), nullptr) << err;
  EXPECT_EQ(std::strncmp(err, path.c_str(), path.size()), 0) << err;
}

TEST_F(BlobTest, WeightTableMismatchesNameTheFileAndTensor) {
  BlobImage image(sample_tensors());
  ASSERT_EQ(load(image), LLM_OK) << err_;
  using Table = std::vector<llmrt_weight_spec>;
  expect_bind_error(&blob_, path_, [](Table& t) { t.pop_back(); },
                    "holds 4 tensors, the model needs 3 (weights of a different model?)");
  expect_bind_error(&blob_, path_,
                    [](Table& t) { t.push_back({"extra", LLMRT_DTYPE_F32, 1, {1}, 0}); },
                    "holds 4 tensors, the model needs 5");
  expect_bind_error(&blob_, path_, [](Table& t) { t[2].name = "layers.0.ffn_norm"; },
                    "tensor 2 is 'layers.0.norm' but the model expects 'layers.0.ffn_norm'");
  expect_bind_error(&blob_, path_, [](Table& t) { t[3].dtype = LLMRT_DTYPE_F32; },
                    "tensor 'layers.0.mlp' has dtype bf16 but the model expects f32");
  expect_bind_error(&blob_, path_, [](Table& t) { t[1].dims[1] = 6; },
                    "tensor 'layers.0.q_proj' has shape [5, 5] but the model expects [5, 6]");
  expect_bind_error(&blob_, path_, [](Table& t) { t[2].ndim = 2; },
                    "tensor 'layers.0.norm' has shape [5] but the model expects [5, 0]");
}

TEST_F(BlobTest, WeightTableStopsAtTheFirstMismatch) {
  BlobImage image(sample_tensors());
  ASSERT_EQ(load(image), LLM_OK) << err_;
  std::vector<llmrt_weight_spec> table = sample_weight_table();
  table[1].dtype = LLMRT_DTYPE_F16;  // the first bad one is reported
  table[3].name = "layers.0.ffn";
  SampleWeights w = {};
  ASSERT_EQ(llmrt_bind_weights(&blob_, table.data(), uint32_t(table.size()), &w, err_,
                               sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "'layers.0.q_proj' has dtype f32"), nullptr) << err_;
  EXPECT_EQ(std::strstr(err_, "layers.0.ffn"), nullptr) << err_;
  EXPECT_EQ(w.q_proj, nullptr);  // nothing bound past the mismatch
  EXPECT_EQ(w.mlp, nullptr);
}

TEST_F(BlobTest, MissingFileIsIoError) {
  path_ = temp_path("does-not-exist.bin");
  EXPECT_EQ(llmrt_blob_load(path_.c_str(), &blob_, err_, sizeof(err_)), LLM_ERR_IO);
  EXPECT_NE(std::strstr(err_, "cannot open"), nullptr) << err_;
  EXPECT_NE(std::strstr(err_, path_.c_str()), nullptr) << err_;
}

TEST_F(BlobTest, AFolderIsNamedAsOne) {
  // It cannot be mapped, and read as a file its size came out as the largest offset ("out of
  // memory reading 9223372036854775807 bytes").
  const std::string folder = ::testing::TempDir();  // not path_: TearDown removes that
  EXPECT_EQ(llmrt_blob_load(folder.c_str(), &blob_, err_, sizeof(err_)), LLM_ERR_IO);
  EXPECT_EQ(std::string(err_), folder + ": is a folder, not a file");
  llmrt_tokenizer tokenizer;
  EXPECT_EQ(llmrt_tokenizer_load(folder.c_str(), &tokenizer, err_, sizeof(err_)), LLM_ERR_IO);
  EXPECT_EQ(std::string(err_), folder + ": is a folder, not a file");
}

TEST_F(BlobTest, RejectsWrongMagic) {
  BlobImage image(sample_tensors());
  image.header()->magic[4] = 'X';
  expect_format_error(image, "bad magic (not an llmc weight blob)");
}

TEST_F(BlobTest, RejectsTinyFile) {
  BlobImage image(sample_tensors());
  image.bytes.resize(10);
  expect_format_error(image, "too small for a header");
}

TEST_F(BlobTest, RejectsWrongVersion) {
  BlobImage image(sample_tensors());
  image.header()->version = 1;  // the format before the checksum had four lanes
  expect_format_error(image, "unsupported version 1");
}

TEST_F(BlobTest, RejectsTruncatedFile) {
  BlobImage image(sample_tensors());
  size_t full = image.bytes.size();
  image.bytes.resize(full - 100);
  std::string phrase = "file is " + std::to_string(full - 100) + " bytes but header says " +
                       std::to_string(full);
  expect_format_error(image, phrase.c_str());
}

TEST_F(BlobTest, RejectsTrailingBytes) {
  BlobImage image(sample_tensors());
  image.bytes.resize(image.bytes.size() + 64, 0);
  expect_format_error(image, "but header says");
}

TEST_F(BlobTest, RejectsBadTableChecksum) {
  BlobImage image(sample_tensors());
  image.entry(2)->name[0] = 'L';  // no rehash
  expect_format_error(image, "tensor table checksum mismatch");
}

TEST_F(BlobTest, RejectsTableSizeMismatch) {
  BlobImage image(sample_tensors());
  image.header()->tensor_count = 3;
  expect_format_error(image, "tensor table is 512 bytes but 3 tensors need 384");
}

TEST_F(BlobTest, RejectsTablePastDataOffset) {
  BlobImage image(sample_tensors());
  image.header()->data_offset = 512;  // the table ends at 64 + 4 * 128 = 576
  expect_format_error(image, "do not fit");
}

TEST_F(BlobTest, RejectsTensorSizeMismatch) {
  BlobImage image(sample_tensors());
  image.entry(1)->size -= 4;
  image.rehash_table();
  expect_format_error(image, "tensor 'layers.0.q_proj' size is 96 bytes but its dims need 100");
}

TEST_F(BlobTest, RejectsTensorOutOfRange) {
  BlobImage image(sample_tensors());
  image.entry(3)->offset += 1024 * 64;
  image.rehash_table();
  expect_format_error(image, "tensor 'layers.0.mlp'");
  EXPECT_NE(std::strstr(err_, "outside the data region"), nullptr) << err_;
}

TEST_F(BlobTest, RejectsOffsetOverflow) {
  BlobImage image(sample_tensors());
  image.entry(0)->offset = ~uint64_t(0) - 63;  // aligned, and offset + size wraps around
  image.rehash_table();
  expect_format_error(image, "outside the data region");
}

TEST_F(BlobTest, RejectsOverlappingTensors) {
  BlobImage image(sample_tensors());
  image.entry(2)->offset = image.entry(1)->offset + 64;  // inside q_proj's 100 bytes
  image.rehash_table();
  expect_format_error(image, "tensors 'layers.0.q_proj' and 'layers.0.norm' overlap");
}

TEST_F(BlobTest, RejectsMisalignedOffset) {
  BlobImage image(sample_tensors());
  image.entry(1)->offset += 4;
  image.rehash_table();
  expect_format_error(image, "tensor 'layers.0.q_proj' offset");
  EXPECT_NE(std::strstr(err_, "is not 64-byte aligned"), nullptr) << err_;
}

TEST_F(BlobTest, RejectsTensorChecksumMismatch) {
  BlobImage image(sample_tensors());
  image.tensor_data(1)[17] ^= 0x01;
  expect_format_error(image, "checksum mismatch in tensor 'layers.0.q_proj'");
}

TEST_F(BlobTest, RejectsBadDtype) {
  BlobImage image(sample_tensors());
  image.entry(0)->dtype = 99;
  image.rehash_table();
  expect_format_error(image, "tensor 'tok_embeddings' has unknown dtype 99");
}

TEST_F(BlobTest, RejectsBadNdim) {
  BlobImage image(sample_tensors());
  image.entry(2)->ndim = 0;
  image.rehash_table();
  expect_format_error(image, "tensor 'layers.0.norm' has ndim 0 (must be 1..4)");
  BlobImage image5(sample_tensors());
  image5.entry(2)->ndim = 5;
  image5.rehash_table();
  llmrt_blob_free(&blob_);
  expect_format_error(image5, "has ndim 5");
}

TEST_F(BlobTest, RejectsUnusedDimNotOne) {
  BlobImage image(sample_tensors());
  image.entry(2)->dims[3] = 2;
  image.rehash_table();
  expect_format_error(image, "unused dims must be 1");
}

TEST_F(BlobTest, RejectsUnterminatedName) {
  BlobImage image(sample_tensors());
  std::memset(image.entry(0)->name, 'a', LLMRT_TENSOR_NAME_BYTES);
  image.rehash_table();
  expect_format_error(image, "tensor 0 has a name that is not NUL-terminated");
}

TEST_F(BlobTest, AcceptsATableOutOfOffsetOrder) {
  BlobImage image(sample_tensors());
  std::swap(*image.entry(1), *image.entry(2));  // offsets 0, 320, 192, 384
  image.rehash_table();
  ASSERT_GT(image.entry(1)->offset, image.entry(2)->offset);
  EXPECT_EQ(load(image), LLM_OK) << err_;
}

TEST_F(BlobTest, RejectsOverlapInATableOutOfOffsetOrder) {
  BlobImage image(sample_tensors());
  std::swap(*image.entry(1), *image.entry(2));
  image.entry(2)->offset = 256;  // q_proj [256, 356) over norm [320, 330); order 0, 320, 256, 384
  image.rehash_table();
  expect_format_error(image, "tensors 'layers.0.norm' and 'layers.0.q_proj' overlap");
}

// ---- a blob in memory ------------------------------------------------------------------------

TEST(BlobMemoryTest, UsesTheBytesInPlace) {
  BlobImage image(sample_tensors());
  AlignedCopy copy(image.bytes);
  llmrt_blob blob;
  char err[512] = {};
  ASSERT_EQ(llmrt_blob_open_memory(copy.data, copy.size, "weights in memory", &blob, err,
                                   sizeof(err)),
            LLM_OK)
      << err;
  EXPECT_EQ(blob.data, copy.data);  // no copy
  EXPECT_EQ(blob.size, copy.size);
  EXPECT_EQ(blob.storage, LLMRT_STORAGE_BORROWED);
  const uint64_t dims[] = {5, 5};
  const void* tensor = nullptr;
  ASSERT_EQ(llmrt_blob_tensor(&blob, 1, "layers.0.q_proj", LLMRT_DTYPE_F32, dims, 2, &tensor, err,
                              sizeof(err)),
            LLM_OK)
      << err;
  EXPECT_EQ(tensor, copy.data + image.header()->data_offset + image.entry(1)->offset);
  llmrt_blob_free(&blob);  // leaves the caller's bytes alone
  EXPECT_EQ(blob.data, nullptr);
  EXPECT_EQ(std::memcmp(copy.data, image.bytes.data(), copy.size), 0);
  // A binding error names the blob, not a file.
  ASSERT_EQ(llmrt_blob_open_memory(copy.data, copy.size, "weights in memory", &blob, err,
                                   sizeof(err)),
            LLM_OK);
  EXPECT_EQ(llmrt_blob_tensor(&blob, 7, "x", LLMRT_DTYPE_F32, dims, 2, &tensor, err, sizeof(err)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err, "weights in memory: the model expects tensor 7 'x' but the blob has "
                             "only 4 tensors"),
            nullptr)
      << err;
  llmrt_blob_free(&blob);
}

TEST(BlobMemoryTest, RejectsNull) {
  llmrt_blob blob;
  char err[512] = {};
  EXPECT_EQ(llmrt_blob_open_memory(nullptr, 4096, "weights in memory", &blob, err, sizeof(err)),
            LLM_ERR_ARGUMENT);
  EXPECT_STREQ(err, "weights in memory: the blob pointer is NULL");
  EXPECT_EQ(blob.data, nullptr);
  AlignedCopy copy(BlobImage(sample_tensors()).bytes);
  EXPECT_EQ(llmrt_blob_open_memory(copy.data, copy.size, "weights in memory", nullptr, err,
                                   sizeof(err)),
            LLM_ERR_ARGUMENT);
  EXPECT_NE(std::strstr(err, "NULL"), nullptr) << err;
}

TEST(BlobMemoryTest, RejectsMisalignedBytes) {
  BlobImage image(sample_tensors());
  std::vector<unsigned char> shifted(image.bytes.size() + 1);
  AlignedCopy copy(shifted);
  std::memcpy(copy.data + 1, image.bytes.data(), image.bytes.size());  // 1 byte past a boundary
  llmrt_blob blob;
  char err[512] = {};
  EXPECT_EQ(llmrt_blob_open_memory(copy.data + 1, image.bytes.size(), "weights in memory", &blob,
                                   err, sizeof(err)),
            LLM_ERR_ARGUMENT);
  EXPECT_NE(std::strstr(err, "weights in memory: the blob at "), nullptr) << err;
  EXPECT_NE(std::strstr(err, "is not 64-byte aligned (1 bytes past a boundary)"), nullptr) << err;
  EXPECT_NE(std::strstr(err, "alignas(64)"), nullptr) << err;
  EXPECT_EQ(blob.data, nullptr);
}

TEST(BlobMemoryTest, RejectsShortBuffers) {
  BlobImage image(sample_tensors());
  AlignedCopy copy(image.bytes);
  llmrt_blob blob;
  char err[512] = {};
  EXPECT_EQ(llmrt_blob_open_memory(copy.data, 0, "weights in memory", &blob, err, sizeof(err)),
            LLM_ERR_FORMAT);
  EXPECT_STREQ(err, "weights in memory: blob is 0 bytes, too small for a header (not an llmc "
                    "weight blob)");
  EXPECT_EQ(llmrt_blob_open_memory(copy.data, 63, "weights in memory", &blob, err, sizeof(err)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err, "blob is 63 bytes, too small for a header"), nullptr) << err;
  // A size cut short (e.g. a section the linker truncated) disagrees with the header.
  std::string phrase = "weights in memory: blob is " + std::to_string(copy.size - 1) +
                       " bytes but header says " + std::to_string(copy.size);
  EXPECT_EQ(llmrt_blob_open_memory(copy.data, copy.size - 1, "weights in memory", &blob, err,
                                   sizeof(err)),
            LLM_ERR_FORMAT);
  EXPECT_STREQ(err, phrase.c_str());
  EXPECT_EQ(blob.data, nullptr);
}

// ---- mapping ---------------------------------------------------------------------------------

#if defined(__linux__)
// Whether the process has `path` mapped, by /proc/self/maps.
bool is_mapped(const std::string& path) {
  std::vector<unsigned char> maps = llmrt_test::read_file("/proc/self/maps");
  std::string text(maps.begin(), maps.end());
  return text.find(path) != std::string::npos;
}
#endif

TEST_F(BlobTest, MapsTheFileReadOnlyAndUnmapsOnFree) {
  BlobImage image(sample_tensors());
  ASSERT_EQ(load(image), LLM_OK) << err_;
  ASSERT_EQ(blob_.size, image.bytes.size());
  EXPECT_EQ(std::memcmp(blob_.data, image.bytes.data(), image.bytes.size()), 0);
#if defined(__unix__) || defined(__APPLE__)
  EXPECT_EQ(blob_.storage, LLMRT_STORAGE_MAPPED);
  // Read-only: a write through the pointer faults instead of changing the weights.
  EXPECT_DEATH(const_cast<volatile unsigned char*>(blob_.data)[100] = 1, "");
#endif
#if defined(__linux__)
  EXPECT_TRUE(is_mapped(path_));
  llmrt_blob_free(&blob_);
  EXPECT_FALSE(is_mapped(path_));
  EXPECT_EQ(blob_.data, nullptr);
  EXPECT_EQ(blob_.size, 0u);
#endif
}

TEST_F(BlobTest, RefusedFileIsNotLeftMapped) {
  BlobImage image(sample_tensors());
  image.tensor_data(3)[0] ^= 0x10;
  expect_format_error(image, "checksum mismatch in tensor 'layers.0.mlp'");
#if defined(__linux__)
  EXPECT_FALSE(is_mapped(path_));
#endif
}

TEST_F(BlobTest, EmptyFileIsReadAndRefused) {
  BlobImage image(sample_tensors());
  image.bytes.clear();  // mmap cannot map 0 bytes: the loader reads instead, and refuses
  expect_format_error(image, "file is 0 bytes, too small for a header");
}

TEST(MapFileTest, ReadsWhatCannotBeMapped) {
  std::string empty = temp_path("empty.bin");
  llmrt_test::write_file(empty, {});
  const unsigned char* data = nullptr;
  size_t size = 99;
  llmrt_storage storage = LLMRT_STORAGE_BORROWED;
  char err[256] = {};
  ASSERT_EQ(llmrt_map_file(empty.c_str(), &data, &size, &storage, err, sizeof(err)), LLM_OK) << err;
  EXPECT_NE(data, nullptr);
  EXPECT_EQ(size, 0u);
  EXPECT_EQ(storage, LLMRT_STORAGE_HEAP);
  llmrt_unmap_file(data, size, storage);
  std::remove(empty.c_str());
#if defined(__linux__)
  // A character device: not mappable as a file, read like one.
  ASSERT_EQ(llmrt_map_file("/dev/null", &data, &size, &storage, err, sizeof(err)), LLM_OK) << err;
  EXPECT_EQ(storage, LLMRT_STORAGE_HEAP);
  EXPECT_EQ(size, 0u);
  llmrt_unmap_file(data, size, storage);
#endif
}

TEST(MapFileTest, MapsARegularFileAlignedAndReportsAMissingOne) {
  std::string path = temp_path("bytes.bin");
  std::vector<unsigned char> bytes(5000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7);
  llmrt_test::write_file(path, bytes);
  const unsigned char* data = nullptr;
  size_t size = 0;
  llmrt_storage storage = LLMRT_STORAGE_BORROWED;
  char err[256] = {};
  ASSERT_EQ(llmrt_map_file(path.c_str(), &data, &size, &storage, err, sizeof(err)), LLM_OK) << err;
  ASSERT_EQ(size, bytes.size());
  EXPECT_EQ(std::memcmp(data, bytes.data(), size), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % LLMRT_BLOB_ALIGN, 0u);
#if defined(__unix__) || defined(__APPLE__)
  EXPECT_EQ(storage, LLMRT_STORAGE_MAPPED);
#endif
  llmrt_unmap_file(data, size, storage);
  std::remove(path.c_str());
  EXPECT_EQ(llmrt_map_file(path.c_str(), &data, &size, &storage, err, sizeof(err)), LLM_ERR_IO);
  EXPECT_EQ(data, nullptr);
  EXPECT_NE(std::strstr(err, "cannot open"), nullptr) << err;
  EXPECT_NE(std::strstr(err, path.c_str()), nullptr) << err;
}

// ---- the checksum ---------------------------------------------------------------------------

TEST(HasherTest, StreamingEqualsOneShotForRandomSplits) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<unsigned char> data(rng() % 300);
    for (unsigned char& b : data) b = static_cast<unsigned char>(rng());
    const uint64_t expected = llmrt_hash64(data.data(), data.size());
    llmrt_hasher hs;
    llmrt_hasher_init(&hs);
    size_t pos = 0;
    while (pos < data.size()) {
      size_t n = rng() % 20;  // includes empty updates
      if (n > data.size() - pos) n = data.size() - pos;
      llmrt_hasher_update(&hs, data.data() + pos, n);
      pos += n;
    }
    EXPECT_EQ(llmrt_hasher_final(&hs), expected) << "trial " << trial;
  }
}

TEST(HasherTest, WordsInOtherLanesDoNotCommute) {
  // Words 0 and 1 go to different lanes, words 0 and 4 to the same one: swapping either pair
  // changes the hash.
  uint64_t words[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const uint64_t original = llmrt_hash64(words, sizeof words);
  std::swap(words[0], words[1]);
  EXPECT_NE(llmrt_hash64(words, sizeof words), original);
  std::swap(words[0], words[1]);
  std::swap(words[0], words[4]);
  EXPECT_NE(llmrt_hash64(words, sizeof words), original);
}

TEST(HasherTest, DetectsChangesAndLength) {
  unsigned char a[16] = {0};
  unsigned char b[16] = {0};
  b[9] = 1;
  EXPECT_NE(llmrt_hash64(a, 16), llmrt_hash64(b, 16));
  EXPECT_NE(llmrt_hash64(a, 16), llmrt_hash64(a, 15));  // trailing zero bytes still count
  EXPECT_NE(llmrt_hash64(a, 0), llmrt_hash64(a, 8));
}

// ---- memory and messages --------------------------------------------------------------------

TEST(SupportTest, AllocIsAlignedAndZeroed) {
  for (size_t bytes : {size_t(1), size_t(3), size_t(64), size_t(1000), size_t(1) << 20}) {
    unsigned char* p = static_cast<unsigned char*>(llmrt_alloc(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    for (size_t i = 0; i < bytes; ++i) ASSERT_EQ(p[i], 0) << i;
    llmrt_free(p);
  }
  llmrt_free(nullptr);
  EXPECT_EQ(llmrt_alloc(~size_t(0) - 8), nullptr);
}

TEST(SupportTest, FormatErrorTruncatesAndTerminates) {
  char err[8];
  llmrt_format_error(err, sizeof(err), "%s: %d", "weights.bin", 42);
  EXPECT_STREQ(err, "weights");
  llmrt_format_error(nullptr, 10, "ignored");
  llmrt_format_error(err, 0, "ignored");
}

}  // namespace
