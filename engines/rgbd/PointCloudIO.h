// Point-cloud files for Open3D, PCL and CloudCompare users.
//
// PCD (PCL, v0.5–0.7): read ascii, binary and binary_compressed (LZF,
// field-major after decompression); fields x y z (F4/F8) and rgb/rgba
// (packed 0x00RRGGBB as U4 or F4 bits) are kept, others skipped; organized
// clouds keep their grid and NaNs. Write ascii or binary, organized or not.
// PLY: read ascii and binary_little_endian vertices (x y z, optional
// red green blue, other properties skipped; the vertex element must come
// first); write ascii or binary_little_endian, valid points only.
//
// Every malformed file throws InputError naming the file and the problem
// (which header line, how many bytes were expected). Writes go to a
// temporary file renamed into place.
#pragma once

#include <filesystem>
#include <string>

#include "engines/rgbd/PointCloud.h"

namespace loupe::rgbd {

enum class PcdEncoding { Ascii, Binary, BinaryCompressed };

PointCloud readPcd(const std::filesystem::path& path);
void writePcd(const std::filesystem::path& path, const PointCloud& cloud, PcdEncoding encoding);

PointCloud readPly(const std::filesystem::path& path);
void writePly(const std::filesystem::path& path, const PointCloud& cloud, bool binary);

// The same on a file's bytes already in memory; `where` names it in errors.
PointCloud parsePcd(const std::string& bytes, const std::string& where);
PointCloud parsePly(const std::string& bytes, const std::string& where);

// Either, by extension (.pcd / .ply).
PointCloud readPointCloud(const std::filesystem::path& path);

}  // namespace loupe::rgbd
