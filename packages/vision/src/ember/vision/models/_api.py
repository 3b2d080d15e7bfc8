"""Pretrained weights as enums (``ResNet18_Weights.IMAGENET1K_V1``), the model registry
(``get_model``, ``list_models``, ...) and the pre-0.13 ``pretrained=True`` interface of torchvision."""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Any

from ember.vision.models._hub import load_state_dict_from_url

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models"]


@dataclass
class Weights:
    """What belongs to one set of pretrained weights.

    Args:
        url: where the checkpoint is published; its file name ends in ``-<sha256 prefix>.pth``.
        transforms: a callable making the preprocessing the weights were evaluated with.
        meta: facts about the weights: ``categories``, ``num_params``, ``min_size``, ``_metrics``, ...
    """

    url: str
    transforms: Callable
    meta: dict[str, Any]


class WeightsEnum(Enum):
    """Base class of the weights enums; every member's value is a ``Weights``.

    ``ResNet50_Weights.DEFAULT`` is the best weights for the model, ``verify`` turns the
    strings ``"IMAGENET1K_V1"`` / ``"ResNet50_Weights.IMAGENET1K_V1"`` into members.
    """

    @classmethod
    def from_str(cls, member: str) -> WeightsEnum:
        try:
            return cls[member]
        except KeyError:
            raise ValueError(f"Unknown value '{member}' for {cls.__name__}.") from None

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member of this enum (None stays None).

        Raises:
            TypeError: if ``obj`` is a member of another weights enum, or not a string.
            ValueError: if the string names no member.
        """
        if obj is None:
            return None
        if type(obj) is str:
            return cls.from_str(obj.replace(cls.__name__ + ".", ""))
        if not isinstance(obj, cls):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                            f"{obj.__class__.__name__}.")
        return obj

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta

    def get_state_dict(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        """The checkpoint's state dict: from the cache, or downloaded (see ``load_state_dict_from_url``)."""
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    # pretrained weights fix some arguments of the architecture (num_classes)
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def handle_legacy_interface(default: WeightsEnum):
    """Accept torchvision's old calls, ``resnet18(pretrained=True)`` and ``resnet18(True)``, with its warnings.

    ``pretrained=True`` becomes ``weights=default``, ``pretrained=False`` becomes ``weights=None``.
    """

    def decorate(builder: Callable) -> Callable:
        keyword_only = [p.name for p in inspect.signature(builder).parameters.values()
                        if p.kind is inspect.Parameter.KEYWORD_ONLY]

        @functools.wraps(builder)
        def build(*args: Any, **kwargs: Any):
            if args:
                if len(args) > len(keyword_only):
                    raise TypeError(f"{builder.__name__}() takes at most {len(keyword_only)} positional arguments "
                                    f"but {len(args)} were given")
                names = keyword_only[:len(args)]
                for name, value in zip(names, args):
                    if name in kwargs:
                        raise TypeError(f"{builder.__name__}() got multiple values for argument '{name}'")
                    kwargs[name] = value
                warnings.warn(f"Using {' and '.join(repr(n) for n in names)} as positional parameter(s) is deprecated "
                              f"since 0.13 and may be removed in the future. Please use keyword parameter(s) "
                              f"instead.", stacklevel=2)
            weights = kwargs.get("weights")
            if "pretrained" in kwargs and weights is not None:
                raise TypeError(f"{builder.__name__}() got both 'weights' and the deprecated 'pretrained'; pass "
                                f"only 'weights'")
            if "pretrained" in kwargs or not (weights is None or isinstance(weights, (WeightsEnum, str))):
                pretrained = kwargs.pop("pretrained") if "pretrained" in kwargs else kwargs.pop("weights")
                warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                              "please use 'weights' instead.", stacklevel=2)
                if pretrained:
                    warnings.warn(f"Arguments other than a weight enum or `None` for 'weights' are deprecated since "
                                  f"0.13 and may be removed in the future. The current behavior is equivalent to "
                                  f"passing `weights={default}`. You can also use "
                                  f"`weights={type(default).__name__}.DEFAULT` to get the most up-to-date weights.",
                                  stacklevel=2)
                kwargs["weights"] = default if pretrained else None
            return builder(**kwargs)

        return build

    return decorate


# -- the registry -----------------------------------------------------------------------------

BUILTIN_MODELS: dict[str, Callable] = {}


def register_model(name: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator listing a model builder under ``name`` (default: the function's name)."""

    def wrapper(fn: Callable) -> Callable:
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn

    return wrapper


def list_models(module: ModuleType | None = None, include: str | list[str] | None = None,
                exclude: str | list[str] | None = None) -> list[str]:
    """The sorted names of the registered models, optionally those of one ``module`` only and
    filtered by Unix shell-style wildcards (``include="resnet*"``)."""
    import fnmatch

    names = {k for k, v in BUILTIN_MODELS.items()
             if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names = {n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)}
    return sorted(names)


def get_model_builder(name: str) -> Callable:
    """The builder function registered under ``name`` (case-insensitive)."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name.lower()}") from None


def get_model(name: str, **config: Any):
    """Build the model registered under ``name`` with ``config`` (``get_model("resnet18", num_classes=10)``)."""
    return get_model_builder(name)(**config)


def get_model_weights(name: Callable | str) -> type[WeightsEnum]:
    """The weights enum of a model builder or registered name (``get_model_weights("resnet50")``)."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    parameters = inspect.signature(inspect.unwrap(fn), eval_str=True).parameters
    if "weights" not in parameters:
        raise ValueError("The method is missing the 'weights' argument.")
    annotation = parameters["weights"].annotation
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, WeightsEnum):
            return candidate
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing "
                     "info is correct.")


def get_weight(name: str) -> WeightsEnum:
    """The weights enum member with the full name ``name`` (``"ResNet50_Weights.IMAGENET1K_V2"``)."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    for builder in BUILTIN_MODELS.values():  # every weights enum belongs to a registered builder
        try:
            weights_enum = get_model_weights(builder)
        except ValueError:  # a builder without weights
            continue
        if weights_enum.__name__ == enum_name:
            return weights_enum.from_str(value_name)
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
