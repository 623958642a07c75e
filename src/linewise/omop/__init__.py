"""OMOP CDM v5.4 input and output: read an instance, map it to the registry model by documented
concept sets (counting what cannot be mapped), write derived lines back as episodes, and write
a synthetic instance."""

from .cdm import Cdm
from .episodes import EpisodeCounts, write_episodes
from .mapping import MappingReport, OmopMapping, load_into_store, map_cdm
from .synth import OmopSynthResult, write_omop

__all__ = ["Cdm", "EpisodeCounts", "MappingReport", "OmopMapping", "OmopSynthResult", "load_into_store", "map_cdm",
           "write_episodes", "write_omop"]
