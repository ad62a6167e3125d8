"""The small value types of `tf.distribute`: `ReduceOp`, `CommunicationOptions` and its
implementation enum, `InputOptions` and `InputReplicationMode`."""

from __future__ import annotations

import enum


class ReduceOp(enum.Enum):
    """How values from several replicas combine: `SUM` or `MEAN`."""

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation):
        from ..core.variable import VariableAggregation

        table = {VariableAggregation.SUM: ReduceOp.SUM, VariableAggregation.MEAN: ReduceOp.MEAN}
        if aggregation not in table:
            raise ValueError(f"Could not convert from `tf.VariableAggregation` {aggregation}")
        return table[aggregation]


def as_reduce_op(reduce_op) -> ReduceOp:
    """A `ReduceOp` from itself or its name ("SUM", "MEAN", case-insensitive)."""
    if isinstance(reduce_op, ReduceOp):
        return reduce_op
    if isinstance(reduce_op, str) and reduce_op.upper() in ("SUM", "MEAN"):
        return ReduceOp[reduce_op.upper()]
    raise ValueError(f"reduce_op must be tf.distribute.ReduceOp.SUM or MEAN, got {reduce_op!r}")


class CommunicationImplementation(enum.Enum):
    """Which collective implementation to use; tapeflow always uses MPI's."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


CollectiveCommunication = CommunicationImplementation


class CommunicationOptions:
    """`tf.distribute.experimental.CommunicationOptions`.

    Args:
        bytes_per_pack: gradients are packed into buckets of about this many bytes, each
            all-reduced as one message (0: everything in one pack, TF's default).
        timeout_seconds: a collective that has not completed after this long aborts the job
            with an error naming the rank and the collective. None: tapeflow's default
            (TAPEFLOW_COLLECTIVE_TIMEOUT, else 600 s); TF has no timeout there.
        implementation: accepted for compatibility (MPI decides its algorithm).
    """

    def __init__(
        self,
        bytes_per_pack: int = 0,
        timeout_seconds: float | None = None,
        implementation=CommunicationImplementation.AUTO,
    ):
        if not isinstance(bytes_per_pack, int) or isinstance(bytes_per_pack, bool):
            raise ValueError(f"bytes_per_pack must be an integer, got {bytes_per_pack!r}")
        if bytes_per_pack < 0:
            raise ValueError(f"bytes_per_pack must be non-negative, got {bytes_per_pack}")
        if timeout_seconds is not None and not timeout_seconds > 0:
            raise ValueError(f"timeout_seconds must be positive or None, got {timeout_seconds}")
        if isinstance(implementation, str):
            implementation = CommunicationImplementation[implementation.upper()]
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = implementation

    def merge(self, options):
        """These options with those set (non-default) in `options` taking precedence."""
        if options is None:
            return self
        return CommunicationOptions(
            options.bytes_per_pack or self.bytes_per_pack,
            options.timeout_seconds
            if options.timeout_seconds is not None
            else self.timeout_seconds,
            options.implementation
            if options.implementation is not CommunicationImplementation.AUTO
            else self.implementation,
        )

    def __repr__(self):
        return (
            f"Options(bytes_per_pack={self.bytes_per_pack},timeout_seconds="
            f"{self.timeout_seconds}, implementation={self.implementation})"
        )


class CollectiveHints(CommunicationOptions):
    """The deprecated name of `CommunicationOptions` (bytes_per_pack, timeout_seconds)."""


class InputReplicationMode(enum.Enum):
    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """`tf.distribute.InputOptions` (stored; one replica per process needs none of them)."""

    def __init__(
        self,
        experimental_fetch_to_device=True,
        experimental_replication_mode=InputReplicationMode.PER_WORKER,
        experimental_place_dataset_on_device=False,
        experimental_per_replica_buffer_size=1,
    ):
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size

    def __repr__(self):
        return (
            f"InputOptions(experimental_fetch_to_device={self.experimental_fetch_to_device}, "
            f"experimental_replication_mode={self.experimental_replication_mode}, "
            f"experimental_place_dataset_on_device="
            f"{self.experimental_place_dataset_on_device}, "
            f"experimental_per_replica_buffer_size="
            f"{self.experimental_per_replica_buffer_size})"
        )
