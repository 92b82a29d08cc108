#include "engines/rgbd/RgbdSource.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <sstream>

#include "engines/core/BoundedJson.h"
#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/rgbd/SequenceFiles.h"

namespace loupe::rgbd {

namespace fs = std::filesystem;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// --- synthetic -------------------------------------------------------------

class SyntheticSource : public RgbdSource {
 public:
  SyntheticSource(Scene scene, SensorModel sensor, PinholeIntrinsics k, std::uint64_t seed, std::int64_t frames,
                  double fps)
      : m_renderer(std::move(scene), k, sensor), m_k(k), m_seed(seed), m_frames(frames), m_fps(fps) {}
  std::string describe() const override { return "synthetic room"; }
  std::int64_t frameCount() const override { return m_frames; }
  bool read(std::int64_t index, RgbdFrame& frame) override {
    if (index >= m_frames) return false;
    SyntheticFrame f = m_renderer.render(m_seed, index, m_fps);
    frame.timestamp = f.timestamp;
    frame.intrinsics = m_k;
    frame.rgb = std::move(f.rgb);
    frame.depth = std::move(f.depth);
    frame.truth = std::move(f.truth);
    frame.disparity.clear();
    frame.truthDisparity.clear();
    return true;
  }

 private:
  SyntheticRenderer m_renderer;
  PinholeIntrinsics m_k;
  std::uint64_t m_seed;
  std::int64_t m_frames;
  double m_fps;
};

// --- images ---------------------------------------------------------------

// The most pixels an input image may have (8192²; depth cameras give ~1 M).
constexpr std::uint64_t kMaxImagePixels = std::uint64_t{1} << 26;

// A PNG's size from its IHDR chunk, checked before OpenCV decodes it: a 2 MB
// 30000 × 30000 depth PNG took 5.2 GB before any size error. (JPEG and TIFF
// sizes are left to OpenCV's own pixel limit.)
void checkPngSize(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[24] = {};
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return;
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (std::memcmp(h, signature, 8) != 0 || std::memcmp(h + 12, "IHDR", 4) != 0) return;
  auto be = [&](int at) {
    return (std::uint64_t{h[at]} << 24) | (std::uint64_t{h[at + 1]} << 16) | (std::uint64_t{h[at + 2]} << 8) |
           h[at + 3];
  };
  const std::uint64_t width = be(16), height = be(20);
  if (width * height > kMaxImagePixels)
    throw InputError(path.string(), "is a " + std::to_string(width) + " × " + std::to_string(height) +
                                        " px image, more than the " + std::to_string(kMaxImagePixels) +
                                        " pixels an input image may have");
  checkWithinBudget(width * height * 8, path.string(), "decoding it");  // up to 4 channels of 16 bits
}

cv::Mat readImage(const fs::path& path, int flags) {
  requireRegularFile(path);  // cv::imread would block on a FIFO
  checkPngSize(path);
  cv::Mat m = cv::imread(path.string(), flags);
  if (m.empty()) throw InputError(path.string(), "not an image OpenCV can read");
  return m;
}

std::vector<std::uint8_t> toRgbBytes(const cv::Mat& bgr) {
  cv::Mat rgb;
  if (bgr.channels() == 1)
    cv::cvtColor(bgr, rgb, cv::COLOR_GRAY2RGB);
  else
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  if (!rgb.isContinuous()) rgb = rgb.clone();
  return {rgb.data, rgb.data + rgb.total() * 3};
}

std::vector<float> depthFromRaw(const cv::Mat& raw, double scale, const fs::path& path) {
  if (raw.type() != CV_16U) throw InputError(path.string(), "depth image must be 16-bit single channel");
  std::vector<float> depth(raw.total());
  for (int y = 0; y < raw.rows; ++y) {
    const std::uint16_t* row = raw.ptr<std::uint16_t>(y);
    for (int x = 0; x < raw.cols; ++x) {
      depth[static_cast<std::size_t>(y) * raw.cols + x] = row[x] ? static_cast<float>(row[x] * scale) : kNaN;
    }
  }
  return depth;
}

// --- stereo pair ------------------------------------------------------------

class StereoPairSource : public RgbdSource {
 public:
  StereoPairSource(const fs::path& left, const fs::path& right, const std::optional<fs::path>& truth, double f,
                   double baseline, StereoParams params)
      : m_left(readImage(left, cv::IMREAD_COLOR)),
        m_right(readImage(right, cv::IMREAD_COLOR)),
        m_f(f),
        m_baseline(baseline),
        m_params(params),
        m_name(left.filename().string()) {
    if (m_left.size() != m_right.size()) {
      throw InputError(right.string(), "size " + std::to_string(m_right.cols) + "×" + std::to_string(m_right.rows) +
                                           " differs from the left image's " + std::to_string(m_left.cols) + "×" +
                                           std::to_string(m_left.rows));
    }
    if (truth) {
      m_truth = readImage(*truth, cv::IMREAD_GRAYSCALE);
      if (m_truth.size() != m_left.size()) throw InputError(truth->string(), "size differs from the left image");
    }
  }
  std::string describe() const override { return "stereo pair " + m_name; }
  std::int64_t frameCount() const override { return 1; }
  bool read(std::int64_t index, RgbdFrame& frame) override {
    if (index != 0) return false;
    const cv::Mat disparity = computeDisparity(m_left, m_right, m_params);
    const cv::Mat depth = disparityToDepth(disparity, m_f, m_baseline);
    frame.timestamp = 0;
    frame.intrinsics = {m_left.cols, m_left.rows, m_f, m_f, (m_left.cols - 1) / 2.0, (m_left.rows - 1) / 2.0};
    frame.rgb = toRgbBytes(m_left);
    frame.depth.assign(depth.ptr<float>(), depth.ptr<float>() + depth.total());
    frame.disparity.assign(disparity.ptr<float>(), disparity.ptr<float>() + disparity.total());
    frame.truth.clear();
    frame.truthDisparity.clear();
    if (!m_truth.empty()) {
      frame.truthDisparity.resize(m_truth.total());
      for (std::size_t i = 0; i < m_truth.total(); ++i) {
        frame.truthDisparity[i] = m_truth.data[i] ? static_cast<float>(m_truth.data[i]) : kNaN;
      }
      // Depth ground truth follows from disparity ground truth with the same f and B.
      frame.truth.resize(m_truth.total());
      for (std::size_t i = 0; i < m_truth.total(); ++i) {
        frame.truth[i] = m_truth.data[i] ? static_cast<float>(m_f * m_baseline / m_truth.data[i]) : kNaN;
      }
    }
    return true;
  }

 private:
  cv::Mat m_left, m_right, m_truth;
  double m_f, m_baseline;
  StereoParams m_params;
  std::string m_name;
};

// --- sequences --------------------------------------------------------------

struct SequenceEntry {
  double timestamp;
  fs::path rgb, depth;
};

std::vector<std::pair<double, std::string>> readTumList(const fs::path& file) {
  return parseTumList(readInputFile(file), file.string());
}

class SequenceSource : public RgbdSource {
 public:
  SequenceSource(std::string name, std::vector<SequenceEntry> entries, double scale, PinholeIntrinsics k)
      : m_name(std::move(name)), m_entries(std::move(entries)), m_scale(scale), m_k(k) {}
  std::string describe() const override { return m_name; }
  std::int64_t frameCount() const override { return static_cast<std::int64_t>(m_entries.size()); }
  bool read(std::int64_t index, RgbdFrame& frame) override {
    if (index < 0 || index >= frameCount()) return false;
    const SequenceEntry& e = m_entries[static_cast<std::size_t>(index)];
    const cv::Mat raw = readImage(e.depth, cv::IMREAD_UNCHANGED);
    frame.depth = depthFromRaw(raw, m_scale, e.depth);
    if (m_k.width == 0) {  // user focal lengths, frame size from the images
      m_k.width = raw.cols;
      m_k.height = raw.rows;
      if (m_k.cx <= 0) m_k.cx = (raw.cols - 1) / 2.0;
      if (m_k.cy <= 0) m_k.cy = (raw.rows - 1) / 2.0;
    }
    frame.intrinsics = m_k;
    if (raw.cols != m_k.width || raw.rows != m_k.height) {
      throw InputError(e.depth.string(), "depth is " + std::to_string(raw.cols) + "×" + std::to_string(raw.rows) +
                                             ", the intrinsics say " + std::to_string(m_k.width) + "×" +
                                             std::to_string(m_k.height));
    }
    frame.rgb.clear();
    if (!e.rgb.empty()) {
      const cv::Mat color = readImage(e.rgb, cv::IMREAD_COLOR);
      if (color.size() != raw.size()) throw InputError(e.rgb.string(), "colour and depth sizes differ");
      frame.rgb = toRgbBytes(color);
    }
    frame.timestamp = e.timestamp;
    frame.truth.clear();
    frame.disparity.clear();
    frame.truthDisparity.clear();
    return true;
  }

 private:
  std::string m_name;
  std::vector<SequenceEntry> m_entries;
  double m_scale;
  PinholeIntrinsics m_k;
};

std::vector<fs::path> sortedFiles(const fs::path& dir, const std::regex& pattern) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && std::regex_match(e.path().filename().string(), pattern)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

PinholeIntrinsics primeSense() {
  return {640, 480, 525.0, 525.0, 319.5, 239.5};
}

std::unique_ptr<RgbdSource> openTum(const fs::path& dir, PinholeIntrinsics k) {
  std::vector<SequenceEntry> entries;
  if (fs::exists(dir / "rgb.txt") && fs::exists(dir / "depth.txt")) {
    const auto rgb = readTumList(dir / "rgb.txt");
    const auto depth = readTumList(dir / "depth.txt");
    for (const auto& [d, c] : associateTum(rgb, depth))
      entries.push_back({depth[d].first, dir / rgb[c].second, dir / depth[d].second});
    if (entries.empty())
      throw InputError((dir / "depth.txt").string(), "no depth frame has a colour frame within 20 ms");
  } else {
    // "<name>.png" with "<name>_depth.png" (and Open3D's TUM_color/TUM_depth).
    for (const auto& depthFile : sortedFiles(dir, std::regex(".*_depth\\.png"))) {
      const std::string stem = depthFile.filename().string().substr(0, depthFile.filename().string().size() - 10);
      fs::path color = dir / (stem + ".png");
      if (!fs::exists(color)) color = dir / (stem + "_color.png");
      if (!fs::exists(color)) color.clear();
      entries.push_back({static_cast<double>(entries.size()) / 30.0, color, depthFile});
    }
    if (entries.empty()) throw InputError(dir.string(), "no TUM rgb.txt/depth.txt and no *_depth.png files");
  }
  return std::make_unique<SequenceSource>("TUM sequence " + dir.filename().string(), std::move(entries), 1.0 / 5000, k);
}

std::unique_ptr<RgbdSource> openRedwood(const fs::path& dir, std::optional<PinholeIntrinsics> k) {
  const auto colors = sortedFiles(dir / "color", std::regex(".*\\.(jpg|png)"));
  const auto depths = sortedFiles(dir / "depth", std::regex(".*\\.png"));
  if (depths.empty()) throw InputError((dir / "depth").string(), "no depth PNGs");
  if (!colors.empty() && colors.size() != depths.size()) {
    throw InputError(dir.string(), std::to_string(colors.size()) + " colour images for " +
                                       std::to_string(depths.size()) + " depth images");
  }
  std::vector<SequenceEntry> entries;
  for (std::size_t i = 0; i < depths.size(); ++i) {
    entries.push_back({static_cast<double>(i) / 30.0, colors.empty() ? fs::path() : colors[i], depths[i]});
  }
  if (!k) {
    // Open3D's PinholeCameraIntrinsic JSON (engines/rgbd/SequenceFiles.h).
    for (const char* name : {"camera_primesense.json", "camera.json", "intrinsic.json"}) {
      const fs::path file = dir / name;
      if (!fs::exists(file)) continue;
      k = parseOpen3dIntrinsics(readInputFile(file, kMaxJsonBytes), file.string());
      break;
    }
  }
  return std::make_unique<SequenceSource>("Redwood sequence " + dir.filename().string(), std::move(entries), 0.001,
                                          k.value_or(primeSense()));
}

std::unique_ptr<RgbdSource> openPclTiff(const fs::path& dir, std::optional<PinholeIntrinsics> k) {
  const fs::path tiff = fs::is_directory(dir / "tiff") ? dir / "tiff" : dir;
  const auto depths = sortedFiles(tiff, std::regex(".*_depth\\.tiff?"));
  if (depths.empty()) throw InputError(tiff.string(), "no *_depth.tiff files");
  std::vector<SequenceEntry> entries;
  const std::regex stamp("frame_(\\d{8})T(\\d{2})(\\d{2})(\\d{2}\\.\\d+)_depth\\.tiff?");
  for (const auto& d : depths) {
    const std::string name = d.filename().string();
    const std::string stem = name.substr(0, name.rfind("_depth"));
    fs::path color = tiff / (stem + "_rgb.tiff");
    if (!fs::exists(color)) color.clear();
    std::smatch m;
    double t = static_cast<double>(entries.size()) / 30.0;
    if (std::regex_match(name, m, stamp)) t = std::stod(m[2]) * 3600 + std::stod(m[3]) * 60 + std::stod(m[4]);
    entries.push_back({t, color, d});
  }
  // PCL's grabber frames: "old intrinsics which were used to generate these tests".
  return std::make_unique<SequenceSource>("PCL TIFF frames " + dir.filename().string(), std::move(entries), 0.001,
                                          k.value_or(PinholeIntrinsics{640, 480, 525.0, 525.0, 320.0, 240.0}));
}

}  // namespace

std::unique_ptr<RgbdSource> openSynthetic(Scene scene, SensorModel sensor, PinholeIntrinsics intrinsics,
                                          std::uint64_t seed, std::int64_t frames, double fps) {
  return std::make_unique<SyntheticSource>(std::move(scene), sensor, intrinsics, seed, frames, fps);
}

std::unique_ptr<RgbdSource> openStereoPair(const fs::path& left, const fs::path& right,
                                           const std::optional<fs::path>& truthDisparity, double focalPx,
                                           double baselineM, StereoParams params) {
  return std::make_unique<StereoPairSource>(left, right, truthDisparity, focalPx, baselineM, params);
}

std::unique_ptr<RgbdSource> openSequence(const fs::path& dir, SequenceLayout layout,
                                         const std::optional<PinholeIntrinsics>& intrinsics) {
  if (!fs::is_directory(dir)) throw InputError(dir.string(), "not a directory");
  if (layout == SequenceLayout::Auto) {
    // TUM sequences also have a depth/ folder: their lists decide first.
    if (fs::exists(dir / "rgb.txt") && fs::exists(dir / "depth.txt"))
      layout = SequenceLayout::Tum;
    else if (fs::is_directory(dir / "depth"))
      layout = SequenceLayout::Redwood;
    else if (!sortedFiles(fs::is_directory(dir / "tiff") ? dir / "tiff" : dir, std::regex(".*_depth\\.tiff?")).empty())
      layout = SequenceLayout::PclTiff;
    else
      layout = SequenceLayout::Tum;
  }
  switch (layout) {
    case SequenceLayout::Redwood:
      return openRedwood(dir, intrinsics);
    case SequenceLayout::PclTiff:
      return openPclTiff(dir, intrinsics);
    default:
      return openTum(dir, intrinsics.value_or(primeSense()));
  }
}

}  // namespace loupe::rgbd
