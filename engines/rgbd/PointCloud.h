// Point clouds and pinhole intrinsics shared by the RGBD engine.
//
// Units: metres. Camera frame as in PCL/Open3D/OpenCV: x right, y down,
// z forward. An organized cloud keeps the image grid (width × height points,
// NaN coordinates where depth is invalid); a compact cloud holds only valid
// points (height 1).
#pragma once

#include <cstdint>
#include <vector>

namespace loupe::rgbd {

struct PinholeIntrinsics {
  int width = 640;
  int height = 480;
  double fx = 525.0;
  double fy = 525.0;
  double cx = 319.5;  // Open3D's PrimeSense default; PCL's Kinect frames use 320 (a 0.5 px mix-up gives mm errors)
  double cy = 239.5;
};

struct PointCloud {
  int width = 0;                  // points per row (organized) or point count (compact)
  int height = 1;                 // rows; 1 for a compact cloud
  std::vector<float> xyz;         // width × height × 3
  std::vector<std::uint8_t> rgb;  // empty, or width × height × 3
  std::vector<float> normals;     // empty, or width × height × 3

  std::int64_t size() const { return static_cast<std::int64_t>(width) * height; }
  bool organized() const { return height > 1; }
  bool hasColor() const { return !rgb.empty(); }
};

}  // namespace loupe::rgbd
