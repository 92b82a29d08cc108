// Processing between depth and cloud: depth filters (median, bilateral, via
// OpenCV, NaN-aware), voxel down-sampling (centroid of points and colours
// per occupied voxel, as Open3D's voxel_down_sample), and normals of an
// organized cloud (cross product of central differences, oriented to the
// camera).
#pragma once

#include <cstdint>
#include <vector>

#include "engines/rgbd/PointCloud.h"

namespace loupe::rgbd {

enum class DepthFilter { None, Median3, Median5, Bilateral };

// In place; invalid (NaN) pixels stay invalid and never leak into valid ones
// for the median (they are excluded), the bilateral ignores them.
void filterDepth(std::vector<float>& depth, int width, int height, DepthFilter filter);

PointCloud voxelDownsample(const PointCloud& cloud, double voxel);

// Every stride-th pixel of every stride-th row of an organized cloud, valid
// points only: a cheap preview cloud (stride 2 keeps a quarter).
PointCloud strideSample(const PointCloud& organized, int stride);

// Fills cloud.normals (NaN where a neighbour is missing).
void estimateOrganizedNormals(PointCloud& cloud);

}  // namespace loupe::rgbd
