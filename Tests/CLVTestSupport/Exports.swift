@_exported import struct CLVCore.SplitMix64
