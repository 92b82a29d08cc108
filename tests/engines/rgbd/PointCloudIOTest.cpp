// Clouds we write are read back by Open3D (python3-open3d) with equal points
// and colours; malformed files get errors that name the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>

#include "engines/core/Error.h"
#include "engines/rgbd/PointCloudIO.h"
#include "tests/support/TestHelpers.h"

namespace loupe::rgbd {
namespace {

namespace fs = std::filesystem;

PointCloud randomCloud(int n) {
  PointCloud c;
  c.width = n;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-5.0f, 5.0f);
  for (int i = 0; i < 3 * n; ++i) c.xyz.push_back(u(rng));
  for (int i = 0; i < 3 * n; ++i) c.rgb.push_back(static_cast<std::uint8_t>(rng()));
  return c;
}

// Open3D's reading of `file`: xyz as float32, colours as bytes.
std::pair<std::vector<float>, std::vector<std::uint8_t>> readWithOpen3d(const fs::path& file, const fs::path& dir) {
  const auto r = testing::runPython(
      "import sys, numpy as np, open3d as o3d\n"
      "p = o3d.io.read_point_cloud(sys.argv[1])\n"
      "np.asarray(p.points, dtype=np.float32).tofile(sys.argv[2])\n"
      "np.round(np.asarray(p.colors) * 255).astype(np.uint8).tofile(sys.argv[3])\n",
      {file.string(), (dir / "x.bin").string(), (dir / "c.bin").string()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  const std::string x = testing::readFile(dir / "x.bin"), c = testing::readFile(dir / "c.bin");
  std::vector<float> xyz(x.size() / 4);
  std::memcpy(xyz.data(), x.data(), x.size());
  return {xyz, std::vector<std::uint8_t>(c.begin(), c.end())};
}

TEST(PointCloudIO, Open3dReadsEveryFormatWeWrite) {
  testing::TempDir dir;
  const PointCloud cloud = randomCloud(5000);
  struct Case {
    std::string name;
    std::function<void(const fs::path&)> write;
  };
  const std::vector<Case> cases = {
      {"binary.ply", [&](const fs::path& p) { writePly(p, cloud, true); }},
      {"ascii.ply", [&](const fs::path& p) { writePly(p, cloud, false); }},
      {"ascii.pcd", [&](const fs::path& p) { writePcd(p, cloud, PcdEncoding::Ascii); }},
      {"binary.pcd", [&](const fs::path& p) { writePcd(p, cloud, PcdEncoding::Binary); }},
      {"compressed.pcd", [&](const fs::path& p) { writePcd(p, cloud, PcdEncoding::BinaryCompressed); }},
  };
  for (const auto& c : cases) {
    const fs::path file = dir / c.name;
    c.write(file);
    const auto [xyz, rgb] = readWithOpen3d(file, dir.path());
    ASSERT_EQ(xyz.size(), cloud.xyz.size()) << c.name;
    EXPECT_EQ(xyz, cloud.xyz) << c.name;  // %.9g text and binary both round-trip float32 exactly
    EXPECT_EQ(rgb, cloud.rgb) << c.name;
    // And our own reader gives the same back.
    const PointCloud back = readPointCloud(file);
    EXPECT_EQ(back.xyz, cloud.xyz) << c.name;
    EXPECT_EQ(back.rgb, cloud.rgb) << c.name;
  }
}

TEST(PointCloudIO, OrganizedPcdKeepsGridAndNans) {
  testing::TempDir dir;
  PointCloud organized;
  organized.width = 4;
  organized.height = 3;
  for (int i = 0; i < 12; ++i) {
    const float v = i % 5 == 0 ? NAN : static_cast<float>(i) * 0.25f;
    organized.xyz.insert(organized.xyz.end(), {v, v + 1, v + 2});
  }
  for (auto encoding : {PcdEncoding::Ascii, PcdEncoding::Binary, PcdEncoding::BinaryCompressed}) {
    writePcd(dir / "o.pcd", organized, encoding);
    const PointCloud back = readPcd(dir / "o.pcd");
    EXPECT_EQ(back.width, 4);
    EXPECT_EQ(back.height, 3);
    for (std::size_t i = 0; i < organized.xyz.size(); ++i) {
      if (std::isnan(organized.xyz[i])) {
        EXPECT_TRUE(std::isnan(back.xyz[i]));
      } else {
        EXPECT_EQ(back.xyz[i], organized.xyz[i]);
      }
    }
  }
}

TEST(PointCloudIO, ReadsThePclAndOpenCvSamples) {
  const fs::path data = fs::path(LOUPE_SHARED_DATA) / "point_clouds";
  EXPECT_EQ(readPcd(data / "pcl" / "bunny.pcd").size(), 397);
  const PointCloud milk = readPcd(data / "pcl" / "milk_color.pcd");
  EXPECT_EQ(milk.size(), 13704);
  EXPECT_TRUE(milk.hasColor());
  const PointCloud table = readPcd(data / "pcl" / "table_scene_mug_stereo_textured.pcd");
  EXPECT_EQ(table.width, 640);
  EXPECT_EQ(table.height, 480);
  std::int64_t nans = 0;
  for (std::int64_t i = 0; i < table.size(); ++i) nans += std::isnan(table.xyz[3 * i]);
  EXPECT_EQ(nans, 97920);  // the README's count
  EXPECT_EQ(readPly(data / "opencv" / "bunny.ply").size(), 1889);
  EXPECT_EQ(readPly(data / "opencv" / "parasaurolophus_6700.ply").size(), 6700);
}

TEST(PointCloudIO, MalformedFilesNameTheFileAndTheProblem) {
  testing::TempDir dir;
  auto errorOf = [&](const std::string& name, const std::string& content) {
    testing::writeFile(dir / name, content);
    try {
      readPointCloud(dir / name);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string header =
      "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 2\nHEIGHT 1\nPOINTS 2\n";
  const std::string p = (dir / "").string();
  EXPECT_EQ(errorOf("a.pcd", header + "DATA ascii\n1 2 3\n"), p + "a.pcd: truncated: 1 of 2 points");
  EXPECT_EQ(errorOf("b.pcd", header + "DATA ascii\n1 2 3\n4 5\n"), p + "b.pcd: data line 2: expected 3 values, got 2");
  EXPECT_EQ(errorOf("c.pcd", header + "DATA binary\n" + std::string(10, 'x')),
            p + "c.pcd: truncated: expected 24 bytes of point data, found 10");
  EXPECT_EQ(errorOf("d.pcd", "VERSION 0.7\nFIELDS x y z\nSIZE 4 4\nTYPE F F F\nWIDTH 1\nDATA ascii\n"),
            p + "d.pcd: SIZE has 2 entries for 3 fields");
  EXPECT_EQ(errorOf("e.pcd", header + "DATA binary_compressed\n" + std::string("\xff\xff\x00\x00\x18\x00\x00\x00", 8)),
            p + "e.pcd: binary_compressed: compressed size 65535 exceeds the file's remaining 0 bytes");
  EXPECT_EQ(errorOf("f.pcd", "VERSION 0.7\nFIELDS a b\nSIZE 4 4\nTYPE F F\nWIDTH 1\nDATA ascii\n1 2\n"),
            p + "f.pcd: FIELDS lacks x, y or z");
  EXPECT_EQ(errorOf("g.pcd", "VERSION 0.7\nWIDTH ten\n"),
            p + "g.pcd: header line 2 (WIDTH): \"ten\" is not an integer");
  EXPECT_EQ(errorOf("h.ply", "plyx\n"), p + "h.ply: header ends without end_header");
  EXPECT_EQ(errorOf("i.ply", "hello"), p + "i.ply: not a PLY file (it does not start with \"ply\")");
  EXPECT_EQ(errorOf("j.ply",
                    "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float "
                    "z\nend_header\n1 2 3\n"),
            p + "j.ply: truncated: 1 of 2 vertices");
  EXPECT_EQ(errorOf("k.xyz", "1 2 3"), p + "k.xyz: unknown point-cloud format \".xyz\" (use .pcd or .ply)");
  // Counts that would allocate more than the file holds, or overflow.
  EXPECT_EQ(errorOf("l.ply",
                    "ply\nformat binary_little_endian 1.0\nelement vertex 6148914691236517206\nproperty float x\n"
                    "property float y\nproperty float z\nend_header\nabc"),
            p + "l.ply: element vertex 6148914691236517206 cannot fit in the 3 bytes that follow the header");
  EXPECT_EQ(errorOf("m.pcd", "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 100000000\nHEIGHT 1\nDATA binary\nxyz"),
            p + "m.pcd: POINTS 100000000 cannot fit in the 3 bytes of data");
  EXPECT_EQ(errorOf("n.pcd", "FIELDS x y z\nSIZE 2 2 2\nTYPE F F F\nWIDTH 1\nDATA binary\n123456"),
            p + "n.pcd: field x: unsupported SIZE/TYPE/COUNT 2/F");
  EXPECT_EQ(errorOf("o.pcd", "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 2\nHEIGHT -3\nDATA ascii\n"),
            p + "o.pcd: HEIGHT -3 is negative");
}

}  // namespace
// Issue 19's reproducer: a binary_compressed PCD whose POINTS × point size
// wraps to 0: 2^17 fields of 8 × 2^20 bytes make a 2^40-byte point, and
// 2^24 points (the most its 128 KiB of data may claim) make 2^64. The
// wrapped product matched the declared uncompressed size 0, and the reader
// walked a null buffer (UBSan: null-pointer load). Now the product is
// checked and the file refused, by name, before anything is allocated.
TEST(PointCloudIO, APointSizeThatWrapsIsRefused) {
  testing::TempDir dir;
  const int fields = 1 << 17;
  std::string names = "FIELDS x y z", sizes = "SIZE 8 8 8", types = "TYPE F F F",
              counts = "COUNT 1048576 1048576 1048576";
  for (int i = 3; i < fields; ++i) {
    names += " f" + std::to_string(i);
    sizes += " 8";
    types += " F";
    counts += " 1048576";
  }
  const std::int64_t points = std::int64_t{1} << 24;
  const std::string header = "VERSION 0.7\n" + names + "\n" + sizes + "\n" + types + "\n" + counts + "\nWIDTH " +
                             std::to_string(points) + "\nHEIGHT 1\nPOINTS " + std::to_string(points) +
                             "\nDATA binary_compressed\n";
  testing::writeFile(dir / "wrap.pcd", header + std::string(8, '\0') + std::string(131072, 'x'));
  try {
    readPointCloud(dir / "wrap.pcd");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("wrap.pcd: POINTS × point size 16777216 × "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is more than 2^62"), std::string::npos) << e.what();
  }
}

}  // namespace loupe::rgbd
