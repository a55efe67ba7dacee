"""The host's Hypothesis profiles: ``--hypothesis-profile=ci`` runs few examples and, on failure,
reports the first one found without shrinking it (fast feedback; shrink locally)."""

from hypothesis import Phase, settings

settings.register_profile("ci", max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
