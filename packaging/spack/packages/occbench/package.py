# Copyright occbench developers. SPDX-License-Identifier: (Apache-2.0 OR MIT)
#
# Spack recipe for occbench. Use it from a site repository:
#   spack repo add packaging/spack
#   spack install occbench ^openmpi
# It follows Spack's CMakePackage conventions: variants map to CMake options
# with define_from_variant, dependencies carry their type, and the parallel
# HDF5 requirement is expressed as ^hdf5+mpi (occbench's CMake refuses a
# serial HDF5 anyway).

from spack.package import *


class Occbench(CMakePackage):
    """Node-occupancy benchmark for many-independent-jobs HPC workloads:
    walks a node through an occupancy ladder in one MPI launch and splits
    the throughput loss into clock (TDP), cache/memory contention, I/O and
    scheduler terms."""

    homepage = "https://example.org/occbench"
    git = "https://example.org/occbench.git"

    maintainers("occbench-developers")
    license("Apache-2.0")

    version("main", branch="main")

    variant("papi", default=True, description="Hardware counters through PAPI")
    variant("hwloc", default=True, description="Topology and binding through hwloc")
    variant("tests", default=False, description="Build the cmocka unit tests")

    depends_on("c", type="build")
    depends_on("cmake@3.18:", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("mpi")
    depends_on("hdf5+mpi@1.10:")
    depends_on("papi", when="+papi")
    depends_on("hwloc@2:", when="+hwloc")
    depends_on("cmocka", type="test", when="+tests")
    depends_on("gnuplot", type="run")

    # occbench's placement and binding are built on hwloc and its counters
    # on PAPI; the variants exist so a site can see the choice, but a build
    # without them is not supported yet.
    conflicts("~hwloc", msg="occbench requires hwloc for placement and binding")
    conflicts("~papi", msg="occbench requires PAPI (it records missing counters itself)")

    def cmake_args(self):
        args = [
            self.define("OB_BENCH", False),
            self.define("BUILD_TESTING", self.spec.satisfies("+tests")),
            # Spack's compiler wrappers already carry the flags; no -Werror at sites.
            self.define("OB_WERROR", False),
        ]
        # Without pkg-config files (some site HDF5 builds), point CMake at the library.
        hdf5 = self.spec["hdf5"]
        args += [
            self.define("OB_HDF5_INCLUDE_DIR", hdf5.prefix.include),
            self.define("OB_HDF5_LIBRARY", hdf5.libs.ld_flags),
        ]
        return args
