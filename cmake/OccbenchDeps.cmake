# Parallel HDF5, PAPI and hwloc, as imported targets ob::hdf5, ob::papi,
# ob::hwloc. pkg-config first (what distributions ship); without it, set
# OB_<DEP>_INCLUDE_DIR and OB_<DEP>_LIBRARY by hand (see README, "Building
# without pkg-config"). HDF5 is *checked* to be a parallel build.
include(CheckSymbolExists)

function(ob_import name pcnames header lib)
  string(TOUPPER ${name} NAME)
  if(OB_${NAME}_INCLUDE_DIR AND OB_${NAME}_LIBRARY)
    add_library(ob::${name} INTERFACE IMPORTED GLOBAL)
    target_include_directories(ob::${name} INTERFACE ${OB_${NAME}_INCLUDE_DIR})
    target_link_libraries(ob::${name} INTERFACE ${OB_${NAME}_LIBRARY})
    set(OB_${NAME}_VERSION "manual (${OB_${NAME}_LIBRARY})" PARENT_SCOPE)
    set(OB_${NAME}_INCLUDES ${OB_${NAME}_INCLUDE_DIR} PARENT_SCOPE)
    return()
  endif()
  if(PKG_CONFIG_FOUND)
    foreach(pc ${pcnames})
      pkg_check_modules(OB_PC_${NAME} QUIET IMPORTED_TARGET GLOBAL ${pc})
      if(OB_PC_${NAME}_FOUND)
        add_library(ob::${name} ALIAS PkgConfig::OB_PC_${NAME})
        set(OB_${NAME}_VERSION "${OB_PC_${NAME}_VERSION} (pkg-config ${pc})" PARENT_SCOPE)
        set(OB_${NAME}_INCLUDES ${OB_PC_${NAME}_INCLUDE_DIRS} PARENT_SCOPE)
        set(OB_${NAME}_WHERE "${OB_PC_${NAME}_LIBDIR}" PARENT_SCOPE)
        return()
      endif()
    endforeach()
  endif()
  message(FATAL_ERROR "occbench needs ${name}: not found via pkg-config (${pcnames}). "
          "Install it (Debian: see the Makefile's package list) or set "
          "OB_${NAME}_INCLUDE_DIR and OB_${NAME}_LIBRARY.")
endfunction()

ob_import(hdf5 "hdf5-openmpi;hdf5-mpi;hdf5" hdf5.h hdf5)
ob_import(papi "papi" papi.h papi)
ob_import(hwloc "hwloc" hwloc.h hwloc)
set(OB_HDF5_WHERE "${OB_HDF5_WHERE}")

# A serial HDF5 would build but could not write collectively: refuse it here.
set(CMAKE_REQUIRED_INCLUDES ${OB_HDF5_INCLUDES} ${MPI_C_INCLUDE_DIRS})
check_symbol_exists(H5_HAVE_PARALLEL "H5pubconf.h" OB_HDF5_IS_PARALLEL)
unset(CMAKE_REQUIRED_INCLUDES)
if(NOT OB_HDF5_IS_PARALLEL)
  message(FATAL_ERROR "HDF5 found (${OB_HDF5_VERSION}) is not a parallel build "
          "(H5_HAVE_PARALLEL undefined). Install the MPI variant: Debian libhdf5-openmpi-dev, "
          "Spack hdf5+mpi.")
endif()
