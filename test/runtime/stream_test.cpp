// stream_test.cpp - streamed weights (runtime/stream.cpp): the plan keeps what fits, the other
// layers' units are read into two buffers in turn with their bytes intact, and a file that is too
// small for the budget, corrupt, truncated or overwritten while running is a clear error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "runtime/stream_plan.h"
#include "test/runtime/test_util.h"

namespace {

using llmrt_test::BlobImage;
using llmrt_test::temp_path;
using llmrt_test::TestTensor;
using llmrt_test::write_file;

// Layers large beside the page of room a read buffer adds, so that streaming saves memory.
constexpr int k_layers = 6;
constexpr int k_rows = 256;  // of each layer's matrix
constexpr uint64_t k_layer_bytes = k_rows * 64 * 4 + 256;  // a (256, 64) f32 matrix, a (64) vector
constexpr uint64_t k_other_bytes = 16 * 8 * 4 + 64;   // embedding (16, 8) and norm (8)

std::vector<TestTensor> model_tensors(int rows = k_rows) {
  std::vector<TestTensor> tensors = {{"embed", LLMRT_DTYPE_F32, {16, 8}}};
  for (int l = 0; l < k_layers; ++l) {
    std::string prefix = "layers." + std::to_string(l) + ".";
    tensors.push_back({prefix + "a", LLMRT_DTYPE_F32, {uint64_t(rows), 64}});
    tensors.push_back({prefix + "b", LLMRT_DTYPE_F32, {64}});
  }
  tensors.push_back({"norm", LLMRT_DTYPE_F32, {8}});
  return tensors;
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = BlobImage(model_tensors(rows()));
    path_ = temp_path("weights.bin");
    write_file(path_, image_.bytes);
    std::vector<TestTensor> tensors = model_tensors(rows());
    names_.reserve(tensors.size());  // specs_ point into the names
    for (size_t i = 0; i < tensors.size(); ++i) {
      llmrt_weight_spec spec = {};
      spec.name = names_.emplace_back(tensors[i].name).c_str();
      spec.dtype = tensors[i].dtype;
      spec.ndim = uint32_t(tensors[i].dims.size());
      for (uint32_t d = 0; d < spec.ndim; ++d) spec.dims[d] = tensors[i].dims[d];
      spec.offset = i * sizeof(const void*);
      specs_.push_back(spec);
    }
    weights_.assign(specs_.size(), nullptr);
    for (int l = 0; l < k_layers; ++l) units_.push_back(uint32_t(matrix_of(l)));
  }
  virtual int rows() const { return k_rows; }
  void TearDown() override {
    llmrt_stream_reader.close(model_.stream);
    std::remove(path_.c_str());
  }

  llm_status open(uint64_t budget) {
    return llmrt_stream_reader.open(path_.c_str(), specs_.data(), uint32_t(specs_.size()),
                                    units_.data(), uint32_t(units_.size()), budget,
                                    weights_.data(), &model_.stream, err_, sizeof err_);
  }
  // The least budget: the tensors outside layers and two buffers of a layer (a page of room).
  static uint64_t least_budget() {
    return k_other_bytes + 2 * ((k_layer_bytes + 4095) / 4096 * 4096 + 4096);
  }
  // Table index of "layers.<l>.a".
  static size_t matrix_of(int l) { return 1 + 2 * size_t(l); }
  // The bytes the Weights member of tensor i points at equal the file's.
  void expect_tensor_intact(size_t i) {
    ASSERT_NE(weights_[i], nullptr) << i;
    const llmrt_tensor_entry* e = image_.entry(i);
    EXPECT_EQ(std::memcmp(weights_[i], image_.tensor_data(i), e->size), 0) << e->name;
  }
  // Flips the bits of the file's byte `bytes_in` into tensor i, as a write while running would
  // (`flip` false: writes it back as it was).
  void overwrite_byte(size_t i, uint64_t bytes_in, bool flip = true) {
    std::FILE* f = std::fopen(path_.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    long at = long(image_.header()->data_offset + image_.entry(i)->offset + bytes_in);
    ASSERT_EQ(std::fseek(f, at, SEEK_SET), 0);
    unsigned char byte = static_cast<unsigned char>(image_.bytes[size_t(at)] ^ (flip ? 0xff : 0));
    ASSERT_EQ(std::fwrite(&byte, 1, 1, f), 1u);
    ASSERT_EQ(std::fclose(f), 0);
  }
  // Units before `unit` arrive; `unit` fails with an error that contains `message`.
  void expect_read_error_at(int unit, const char* message) {
    for (int u = 0; u < unit; ++u)
      ASSERT_TRUE(llmrt_stream_unit(&model_, u)) << llmrt_stream_reader.error(model_.stream);
    EXPECT_FALSE(llmrt_stream_unit(&model_, unit));
    EXPECT_NE(std::strstr(llmrt_stream_reader.error(model_.stream), message), nullptr)
        << llmrt_stream_reader.error(model_.stream);
  }
  llm_stream_stats stats() {
    llm_stream_stats s = {};
    llmrt_stream_reader.stats(model_.stream, &s);
    return s;
  }

  BlobImage image_{{}};
  std::string path_;
  std::vector<std::string> names_ = std::vector<std::string>();
  std::vector<llmrt_weight_spec> specs_;
  std::vector<const void*> weights_;  // the model's Weights: a pointer per tensor
  std::vector<uint32_t> units_;       // each stream unit's first tensor: a unit per layer
  llm_model model_ = {};
  char err_[512] = {};
};

TEST_F(StreamTest, PlanKeepsLeadingLayersThatFitBesideTwoBuffers) {
  const uint64_t layers[] = {100000, 100000, 100000, 100000};
  const uint32_t layer_of_unit[] = {0, 1, 2, 3};
  const uint64_t buffer = 102400 + 4096;  // a layer rounded up to a page, and a page
  llmrt_stream_plan plan;
  // Everything fits: no buffers.
  ASSERT_TRUE(llmrt_plan_stream(layers, layer_of_unit, 4, 4, 50, 400050, &plan));
  EXPECT_EQ(plan.resident_layers, 4u);
  EXPECT_EQ(plan.slot_bytes[0], 0u);
  EXPECT_EQ(plan.slot_bytes[1], 0u);
  EXPECT_EQ(plan.total_bytes, 400050u);
  // A byte less: layer 0 stays, layers 1 to 3 stream (keeping 2 would need 413042).
  ASSERT_TRUE(llmrt_plan_stream(layers, layer_of_unit, 4, 4, 50, 400049, &plan));
  EXPECT_EQ(plan.resident_layers, 1u);
  EXPECT_EQ(plan.slot_bytes[0], buffer);
  EXPECT_EQ(plan.slot_bytes[1], buffer);
  EXPECT_EQ(plan.resident_bytes, 100050u);
  EXPECT_EQ(plan.total_bytes, 100050u + 2 * buffer);
  ASSERT_TRUE(llmrt_plan_stream(layers, layer_of_unit, 4, 4, 50, 50 + 2 * buffer, &plan));
  EXPECT_EQ(plan.resident_layers, 0u);
  EXPECT_FALSE(llmrt_plan_stream(layers, layer_of_unit, 4, 4, 50, 50 + 2 * buffer - 1, &plan));
  EXPECT_EQ(plan.min_budget, 50u + 2 * buffer);
}

TEST_F(StreamTest, PlanSizesEachBufferForItsOwnUnitsWhenATokenStreamsAnEvenNumber) {
  // Three layers of two units each: 60000 and 40000 bytes. Six streamed units a token: the
  // first of each layer always lands in buffer 0, the second in buffer 1.
  const uint64_t units[] = {60000, 40000, 60000, 40000, 60000, 40000};
  const uint32_t layer_of_unit[] = {0, 0, 1, 1, 2, 2};
  const uint64_t first = 61440 + 4096, second = 40960 + 4096;  // rounded up to a page, a page
  llmrt_stream_plan plan;
  ASSERT_TRUE(llmrt_plan_stream(units, layer_of_unit, 6, 3, 50, 50 + first + second, &plan));
  EXPECT_EQ(plan.resident_layers, 0u);
  EXPECT_TRUE(plan.by_parity);
  EXPECT_EQ(plan.first_streamed, 0u);
  EXPECT_EQ(plan.slot_bytes[0], first);
  EXPECT_EQ(plan.slot_bytes[1], second);
  EXPECT_EQ(plan.min_budget, 50u + first + second);
  EXPECT_EQ(llmrt_stream_slot_of(&plan, 4), 0);
  EXPECT_EQ(llmrt_stream_slot_of(&plan, 5), 1);
  EXPECT_EQ(llmrt_stream_plan_misfit(&plan, units, 6), -1);
  EXPECT_FALSE(llmrt_plan_stream(units, layer_of_unit, 6, 3, 50, 49 + first + second, &plan));
  // Layer 0 resident whole; the other layers' units stream, counted from unit 2.
  ASSERT_TRUE(llmrt_plan_stream(units, layer_of_unit, 6, 3, 50, 100050 + first + second, &plan));
  EXPECT_EQ(plan.resident_layers, 1u);
  EXPECT_EQ(plan.resident_bytes, 100050u);
  EXPECT_EQ(plan.first_streamed, 2u);
  EXPECT_EQ(llmrt_stream_slot_of(&plan, 2), 0);
  EXPECT_EQ(llmrt_stream_slot_of(&plan, 5), 1);
}

TEST_F(StreamTest, PlanGivesBothBuffersTheLargestUnitWhenATokenStreamsAnOddNumber) {
  // Five streamed units a token: each token's units land one buffer later than the last's, so
  // either buffer gets every unit.
  const uint64_t units[] = {60000, 40000, 60000, 40000, 60000};
  const uint32_t layer_of_unit[] = {0, 0, 1, 1, 2};
  const uint64_t buffer = 61440 + 4096;
  llmrt_stream_plan plan;
  ASSERT_TRUE(llmrt_plan_stream(units, layer_of_unit, 5, 3, 50, 50 + 2 * buffer, &plan));
  EXPECT_EQ(plan.resident_layers, 0u);
  EXPECT_FALSE(plan.by_parity);
  EXPECT_EQ(plan.slot_bytes[0], buffer);
  EXPECT_EQ(plan.slot_bytes[1], buffer);
  EXPECT_EQ(plan.min_budget, 50u + 2 * buffer);
  EXPECT_EQ(llmrt_stream_slot_of(&plan, 1), -1);
  EXPECT_EQ(llmrt_stream_plan_misfit(&plan, units, 5), -1);
  // Layer 0 resident: three units stream, still odd.
  ASSERT_TRUE(llmrt_plan_stream(units, layer_of_unit, 5, 3, 50, 100050 + 2 * buffer, &plan));
  EXPECT_EQ(plan.resident_layers, 1u);
  EXPECT_FALSE(plan.by_parity);
  EXPECT_EQ(plan.slot_bytes[1], buffer);
}

TEST_F(StreamTest, PlanMisfitNamesAUnitLargerThanItsBuffer) {
  const uint64_t units[] = {60000, 40000, 60000, 40000};
  const uint32_t layer_of_unit[] = {0, 0, 1, 1};
  llmrt_stream_plan plan;
  ASSERT_TRUE(llmrt_plan_stream(units, layer_of_unit, 4, 2, 50, 1 << 20, &plan));
  ASSERT_TRUE(llmrt_plan_stream(units, layer_of_unit, 4, 2, 50, plan.min_budget, &plan));
  ASSERT_TRUE(plan.by_parity);
  llmrt_stream_plan small = plan;
  small.slot_bytes[1] -= 1;
  EXPECT_EQ(llmrt_stream_plan_misfit(&small, units, 4), 1);
  // Left to the run, a unit may land in either buffer: the smaller must hold the largest.
  llmrt_stream_plan unplanned = plan;
  unplanned.by_parity = false;
  EXPECT_EQ(llmrt_stream_plan_misfit(&unplanned, units, 4), 0);
}

TEST_F(StreamTest, StreamsEveryLayerThroughTwoBuffersInTurn) {
  ASSERT_EQ(open(least_budget()), LLM_OK) << err_;
  EXPECT_EQ(stats().resident_layers, 0);
  EXPECT_EQ(stats().layers, k_layers);
  expect_tensor_intact(0);
  expect_tensor_intact(specs_.size() - 1);
  for (int token = 0; token < 3; ++token) {
    const void* first = nullptr;
    for (int l = 0; l < k_layers; ++l) {
      ASSERT_TRUE(llmrt_stream_unit(&model_, l)) << llmrt_stream_reader.error(model_.stream);
      expect_tensor_intact(matrix_of(l));
      expect_tensor_intact(matrix_of(l) + 1);
      const unsigned char* p = static_cast<const unsigned char*>(weights_[matrix_of(l)]);
      if (l == 0) first = p;
      // Layers alternate between the two buffers: the even ones share one, the odd ones the other.
      uint64_t apart = uint64_t(p > first ? p - static_cast<const unsigned char*>(first)
                                          : static_cast<const unsigned char*>(first) - p);
      if (l % 2 == 1) EXPECT_GE(apart, k_layer_bytes);
      if (l % 2 == 0) EXPECT_LT(apart, 4096u);
    }
  }
  llm_stream_stats s = stats();
  // 3 tokens of every layer, and the next token's first perhaps prefetched already.
  EXPECT_GE(s.layers_read, 3u * k_layers);
  EXPECT_LE(s.layers_read, 3u * k_layers + 1);
  EXPECT_EQ(s.bytes_read, s.layers_read * k_layer_bytes);
  EXPECT_GE(s.wait_seconds, 0.0);
}

TEST_F(StreamTest, KeepsTheFirstLayersResidentWhenTheBudgetAllows) {
  ASSERT_EQ(open(least_budget() + k_layer_bytes), LLM_OK) << err_;
  EXPECT_EQ(stats().resident_layers, 1);
  expect_tensor_intact(matrix_of(0));  // bound at open, never read again
  const void* resident = weights_[matrix_of(0)];
  for (int l = 0; l < k_layers; ++l) ASSERT_TRUE(llmrt_stream_unit(&model_, l));
  EXPECT_EQ(weights_[matrix_of(0)], resident);
  expect_tensor_intact(matrix_of(k_layers - 1));
  EXPECT_GE(stats().layers_read, uint64_t(k_layers - 1));
}

TEST_F(StreamTest, AllResidentReadsNothingWhileRunning) {
  ASSERT_EQ(open(uint64_t(1) << 30), LLM_OK) << err_;
  EXPECT_EQ(stats().resident_layers, k_layers);
  EXPECT_EQ(stats().buffer_bytes, k_other_bytes + k_layers * k_layer_bytes);
  for (int l = 0; l < k_layers; ++l) ASSERT_TRUE(llmrt_stream_unit(&model_, l));
  for (size_t i = 0; i < specs_.size(); ++i) expect_tensor_intact(i);
  EXPECT_EQ(stats().layers_read, 0u);
}

TEST_F(StreamTest, TooSmallABudgetSaysTheLeastThatFits) {
  EXPECT_EQ(open(least_budget() - 1), LLM_ERR_ARGUMENT);
  EXPECT_NE(std::strstr(err_, "is too small"), nullptr) << err_;
  EXPECT_NE(std::strstr(err_, std::to_string(least_budget()).c_str()), nullptr) << err_;
  EXPECT_EQ(model_.stream, nullptr);
}

TEST_F(StreamTest, ChecksTheTableWithoutReadingTheData) {
  image_.entry(2)->size += 4;  // no longer what its dims need; the table checksum still agrees
  image_.rehash_table();
  write_file(path_, image_.bytes);
  EXPECT_EQ(open(least_budget()), LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "size is"), nullptr) << err_;
  EXPECT_NE(std::strstr(err_, path_.c_str()), nullptr) << err_;
}

TEST_F(StreamTest, RefusesAModelWhoseSpecsDiffer) {
  specs_[3].dims[0] = 17;
  EXPECT_EQ(open(least_budget()), LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "has shape [256, 64] but the model expects [17, 64]"), nullptr) << err_;
}

TEST_F(StreamTest, ATruncatedFileIsAnIoErrorNotACrash) {
  ASSERT_EQ(open(least_budget()), LLM_OK) << err_;
  for (int l = 0; l < k_layers; ++l) ASSERT_TRUE(llmrt_stream_unit(&model_, l));
  const llmrt_tensor_entry* layer1 = image_.entry(matrix_of(1));
  ASSERT_EQ(truncate(path_.c_str(), off_t(image_.header()->data_offset + layer1->offset + 64)), 0);
  // Layer 0 of the next token may already be in memory; layer 1 is read after the truncation.
  bool failed = false;
  for (int l = 0; l < k_layers && !failed; ++l) failed = !llmrt_stream_unit(&model_, l);
  ASSERT_TRUE(failed);
  EXPECT_NE(std::strstr(llmrt_stream_reader.error(model_.stream), "truncated since llm_open"), nullptr)
      << llmrt_stream_reader.error(model_.stream);
  EXPECT_NE(std::strstr(llmrt_stream_reader.error(model_.stream), path_.c_str()), nullptr);
  // It stays an error, and a sane one, on every later call.
  EXPECT_FALSE(llmrt_stream_unit(&model_, 1));
}

TEST_F(StreamTest, AnOverwrittenLayerIsAChecksumError) {
  ASSERT_EQ(open(least_budget()), LLM_OK) << err_;
  overwrite_byte(matrix_of(1), 100);
  expect_read_error_at(1, "checksum mismatch in tensor 'layers.1.a' read for layer 1");
}

// Layers larger than the reader's 8 MiB pieces: the checker checks each piece while the next is
// read, and a tensor whose bytes span two pieces is checked whole.
class StreamPiecesTest : public StreamTest {
 protected:
  static constexpr int k_big_rows = 40000;  // 10 MB of f32 matrix per layer
  int rows() const override { return k_big_rows; }
  // Opens with the least budget, which the refusal of a budget of 1 names.
  void open_with_least_budget() {
    ASSERT_EQ(open(1), LLM_ERR_ARGUMENT);
    const char* least = std::strstr(err_, "need at least ");
    ASSERT_NE(least, nullptr) << err_;
    ASSERT_EQ(open(std::strtoull(least + 14, nullptr, 10)), LLM_OK) << err_;
  }
};

TEST_F(StreamPiecesTest, LayersOfSeveralPiecesArriveIntact) {
  ASSERT_NO_FATAL_FAILURE(open_with_least_budget());
  EXPECT_EQ(stats().resident_layers, 0);
  for (int token = 0; token < 2; ++token) {
    for (int l = 0; l < k_layers; ++l) {
      ASSERT_TRUE(llmrt_stream_unit(&model_, l)) << llmrt_stream_reader.error(model_.stream);
      expect_tensor_intact(matrix_of(l));
      expect_tensor_intact(matrix_of(l) + 1);
    }
  }
}

TEST_F(StreamPiecesTest, AByteChangedInALaterPieceIsAChecksumError) {
  ASSERT_NO_FATAL_FAILURE(open_with_least_budget());
  overwrite_byte(matrix_of(2), 9 << 20);  // 9 MiB into layer 2's matrix: its second piece
  expect_read_error_at(2, "checksum mismatch in tensor 'layers.2.a' read for layer 2");
}

// A file cut inside a layer's first or second piece is an I/O error, whichever piece finds the
// end.
TEST_F(StreamPiecesTest, ATruncationInsideAnyPieceIsAnIoError) {
  for (uint64_t cut : {uint64_t(4) << 20, uint64_t(9) << 20}) {
    SCOPED_TRACE(cut);
    write_file(path_, image_.bytes);
    ASSERT_NO_FATAL_FAILURE(open_with_least_budget());
    const llmrt_tensor_entry* matrix = image_.entry(matrix_of(3));
    ASSERT_EQ(truncate(path_.c_str(), off_t(image_.header()->data_offset + matrix->offset + cut)),
              0);
    expect_read_error_at(3, "truncated since llm_open");
    llmrt_stream_reader.close(model_.stream);
    model_.stream = nullptr;
  }
}

// Each tensor its own unit, as for a layer of several ops: the units alternate between the
// buffers, an even number a token, so one buffer holds the matrices and the other the vectors.
class StreamUnitsTest : public StreamTest {
 protected:
  void SetUp() override {
    StreamTest::SetUp();
    units_.clear();
    for (int l = 0; l < k_layers; ++l) {
      units_.push_back(uint32_t(matrix_of(l)));
      units_.push_back(uint32_t(matrix_of(l) + 1));
    }
  }
  static constexpr uint64_t k_matrix_bytes = k_rows * 64 * 4;
  // A buffer of matrices and a buffer of vectors (256 bytes), each with a page of room.
  static uint64_t least_unit_budget() {
    return k_other_bytes + (k_matrix_bytes + 4095) / 4096 * 4096 + 4096 + 2 * 4096;
  }
  // Unit u arrives intact: in the matrices' buffer (beside unit 0's) for even u, else apart.
  void expect_unit_in_its_buffer(int u) {
    ASSERT_TRUE(llmrt_stream_unit(&model_, u)) << llmrt_stream_reader.error(model_.stream);
    expect_tensor_intact(units_[size_t(u)]);
    const unsigned char* p = static_cast<const unsigned char*>(weights_[units_[size_t(u)]]);
    if (u == 0) matrices_ = p;
    ASSERT_NE(matrices_, nullptr);
    uint64_t apart = uint64_t(p > matrices_ ? p - matrices_ : matrices_ - p);
    if (u % 2 == 0) EXPECT_LT(apart, 4096u) << u;
    if (u % 2 == 1) EXPECT_GE(apart, k_matrix_bytes) << u;
  }
  const unsigned char* matrices_ = nullptr;
};

TEST_F(StreamUnitsTest, StreamsEachUnitIntactInTheBufferSizedForIt) {
  ASSERT_LT(least_unit_budget(), least_budget());
  ASSERT_EQ(open(least_unit_budget() - 1), LLM_ERR_ARGUMENT);
  ASSERT_EQ(open(least_unit_budget()), LLM_OK) << err_;
  EXPECT_EQ(stats().resident_layers, 0);
  EXPECT_EQ(stats().buffer_bytes, least_unit_budget());
  for (int token = 0; token < 2; ++token)
    for (int u = 0; u < 2 * k_layers; ++u) ASSERT_NO_FATAL_FAILURE(expect_unit_in_its_buffer(u));
  llm_stream_stats s = stats();
  // A layer counts once its last unit is read: 2 tokens, and the next token's first unit perhaps.
  EXPECT_EQ(s.layers_read, 2u * k_layers);
  EXPECT_GE(s.bytes_read, 2u * k_layers * k_layer_bytes);
  EXPECT_LE(s.bytes_read, 2u * k_layers * k_layer_bytes + k_matrix_bytes);
}

// A new prompt may start over at unit 0 after any unit, and a failed read leaves the next call
// to any unit: each still lands in its own buffer, never in the vectors' small one.
TEST_F(StreamUnitsTest, UnitsKeepTheirBuffersAcrossANewPromptAndAFailedRead) {
  ASSERT_EQ(open(least_unit_budget()), LLM_OK) << err_;
  for (int u = 0; u < 5; ++u) ASSERT_NO_FATAL_FAILURE(expect_unit_in_its_buffer(u));
  // Unit 4 in the matrices' buffer, then a new prompt.
  for (int u = 0; u < 2; ++u) ASSERT_NO_FATAL_FAILURE(expect_unit_in_its_buffer(u));
  // Unit 3 is read (while unit 2 computes) after this, and fails.
  overwrite_byte(matrix_of(1) + 1, 8);
  ASSERT_NO_FATAL_FAILURE(expect_unit_in_its_buffer(2));
  EXPECT_FALSE(llmrt_stream_unit(&model_, 3));
  overwrite_byte(matrix_of(1) + 1, 8, false);
  for (int u = 0; u < 2 * k_layers; ++u) ASSERT_NO_FATAL_FAILURE(expect_unit_in_its_buffer(u));
}

TEST_F(StreamUnitsTest, OverwrittenUnitNamesItsTensorAndLayer) {
  ASSERT_EQ(open(least_unit_budget()), LLM_OK) << err_;
  overwrite_byte(matrix_of(1) + 1, 8);  // layer 1's vector: unit 3
  expect_read_error_at(3, "checksum mismatch in tensor 'layers.1.b' read for layer 1");
}

TEST_F(StreamUnitsTest, RefusesUnitsThatDoNotStartEachLayer) {
  units_.erase(units_.begin() + 2);  // layer 1's first tensor
  EXPECT_EQ(open(least_budget()), LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "stream unit 2 (tensor 'layers.1.b') does not fit the layers"),
            nullptr)
      << err_;
  units_ = {1, 3};  // the other layers in no unit
  EXPECT_EQ(open(least_budget()), LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "does not fit the layers of the table"), nullptr) << err_;
}

}  // namespace
