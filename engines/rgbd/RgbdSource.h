// Where RGBD frames come from. Every source yields timestamped RGB + depth
// (metres, NaN = no measurement) + intrinsics, and ground truth when it has
// any: the synthetic scene's noise-free depth, or a stereo pair's ground-truth
// disparity.
//
// - openSynthetic: the demo room through a sensor model (no files needed).
// - openStereoPair: rectified left/right images → SGBM/BM → disparity → depth.
// - openSequence: recorded frames in one of three layouts —
//     TUM: rgb.txt + depth.txt (timestamps, associated nearest within 20 ms),
//          or "<name>.png" + "<name>_depth.png" pairs; depth / 5000;
//     Redwood/Open3D: color/ + depth/ (mm), camera_primesense.json if present;
//     PCL grabber TIFFs: tiff/*_rgb.tiff + *_depth.tiff (mm).
// - openOpenNi2: a live Kinect/Xtion/Astra through OpenNI2, or InputError
//   "no device found".
//
// Errors in files throw InputError naming the file and the problem.
// Threading: a source is used by one thread (the run's worker).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/rgbd/PointCloud.h"
#include "engines/rgbd/StereoDepth.h"
#include "engines/rgbd/SyntheticScene.h"

namespace loupe::rgbd {

struct RgbdFrame {
  double timestamp = 0;  // seconds
  PinholeIntrinsics intrinsics;
  std::vector<std::uint8_t> rgb;      // height × width × 3, RGB order; may be empty
  std::vector<float> depth;           // metres, NaN invalid
  std::vector<float> truth;           // ground-truth depth, or empty
  std::vector<float> disparity;       // stereo sources: px, NaN invalid
  std::vector<float> truthDisparity;  // px, NaN unknown, or empty
};

class RgbdSource {
 public:
  virtual ~RgbdSource() = default;
  virtual std::string describe() const = 0;
  // Frames available; −1 for a live device.
  virtual std::int64_t frameCount() const = 0;
  // Fills `frame` with frame `index` (0-based, < frameCount()); false at the end.
  virtual bool read(std::int64_t index, RgbdFrame& frame) = 0;
};

std::unique_ptr<RgbdSource> openSynthetic(Scene scene, SensorModel sensor, PinholeIntrinsics intrinsics,
                                          std::uint64_t seed, std::int64_t frames, double fps);

std::unique_ptr<RgbdSource> openStereoPair(const std::filesystem::path& left, const std::filesystem::path& right,
                                           const std::optional<std::filesystem::path>& truthDisparity, double focalPx,
                                           double baselineM, StereoParams params);

enum class SequenceLayout { Auto, Tum, Redwood, PclTiff };

// `intrinsics` overrides the layout's default (PrimeSense 525/525/319.5/239.5
// for TUM and Redwood unless a camera file says otherwise; 525/525/320/240 for
// PCL's grabber frames).
std::unique_ptr<RgbdSource> openSequence(const std::filesystem::path& directory, SequenceLayout layout,
                                         const std::optional<PinholeIntrinsics>& intrinsics = std::nullopt);

std::unique_ptr<RgbdSource> openOpenNi2();

}  // namespace loupe::rgbd
