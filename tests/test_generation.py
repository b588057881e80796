"""daekeras.generation: exact mixture scores, statistics, the noise-conditional model, samplers."""

import numpy as np
import pytest
import scipy.stats

import keras

from daekeras import generation as g


def test_mixture_score_is_gradient_of_log_density():
    mix = g.spiral_mixture(n_components=10, std=0.1)
    x = np.random.default_rng(0).normal(size=(20, 2))
    for sigma in (0.0, 0.3):
        h = 1e-5
        numeric = np.stack(
            [(mix.log_density(x + h * e, sigma) - mix.log_density(x - h * e, sigma)) / (2 * h) for e in np.eye(2)],
            axis=1,
        )
        np.testing.assert_allclose(mix.score(x, sigma), numeric, rtol=1e-5, atol=1e-6)


def test_smoothed_density_is_the_convolution():
    """p_sigma at a point equals a Monte Carlo average of p over x + sigma * noise."""
    mix = g.IsotropicMixture([[0.0, 0.0], [2.0, 0.0]], 0.3, weights=[1, 3])
    x = np.array([[1.0, 0.5]])
    noise = np.random.default_rng(1).standard_normal((400_000, 2))
    monte_carlo = np.mean(np.exp(mix.log_density(x + 0.5 * noise)))
    assert np.exp(mix.log_density(x, 0.5))[0] == pytest.approx(monte_carlo, rel=0.01)


def test_mixture_sample_matches_its_density():
    mix = g.IsotropicMixture([[0.0, 0.0]], 2.0)
    s = mix.sample(20_000, seed=3)
    assert s.std(axis=0) == pytest.approx([2.0, 2.0], rel=0.03)
    np.testing.assert_array_equal(s, mix.sample(20_000, seed=3))


def test_energy_distance_agrees_with_scipy_in_one_dimension():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(50, 1)), rng.normal(1.0, size=(70, 1))
    assert g.energy_distance(x, y) == pytest.approx(scipy.stats.energy_distance(x[:, 0], y[:, 0]) ** 2)
    assert g.energy_distance(x, x) == pytest.approx(0.0, abs=1e-12)


def test_energy_distance_separates_distributions():
    rng = np.random.default_rng(4)
    a, b, c = rng.normal(size=(300, 2)), rng.normal(size=(300, 2)), rng.normal(0.5, size=(300, 2))
    assert g.energy_distance(a, c) > 5 * g.energy_distance(a, b)


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(20_000, 3))
    b = 2.0 * rng.normal(size=(20_000, 3)) + 1.0
    # |mu|^2 = 3; tr(I + 4I - 2*2I) = 3.
    assert g.frechet_distance(a, b) == pytest.approx(6.0, rel=0.03)
    assert g.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_matches_the_general_square_root_and_holds_for_singular_covariances():
    import warnings

    from scipy.linalg import sqrtm

    rng = np.random.default_rng(6)
    a = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    b = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5)) + 0.5
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    general = (np.sum((a.mean(0) - b.mean(0)) ** 2)
               + np.trace(ca + cb - 2 * np.real(sqrtm(ca @ cb))))
    assert g.frechet_distance(a, b) == pytest.approx(general, rel=1e-9)
    # Dead units: a column constant in both samples makes both covariances singular.
    a[:, 2], b[:, 2] = 0.0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = g.frechet_distance(a, b)
    keep = [0, 1, 3, 4]
    assert value == pytest.approx(g.frechet_distance(a[:, keep], b[:, keep]), rel=1e-9)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="Argument `std`"):
        g.IsotropicMixture([[0.0, 0.0]], -1.0)
    with pytest.raises(ValueError, match="Argument `y`"):
        g.energy_distance(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="Argument `sigma`"):
        g.spiral_mixture().score(np.zeros((1, 2)), -0.1)
    with pytest.raises(TypeError, match="Argument `seed`"):
        g.corrupt_reconstruct_chain(lambda x: x, np.zeros((2, 2)), 0.1, 1, seed=1.5)
    with pytest.raises(ValueError, match="Argument `sigma_min`"):
        g.geometric_sigmas(0.1, 1.0, 3)


def test_denoiser_output_is_input_plus_sigma_times_net():
    model = g.NoiseConditionalDenoiser(2, hidden=(8,), seed=0)
    x = np.ones((4, 2), "float32")
    sigma = np.full((4, 1), 1e-6, "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model((x, sigma))), x, atol=1e-4)


def test_denoiser_saves_and_loads(tmp_path):
    model = g.NoiseConditionalDenoiser(3, hidden=(16, 8), seed=7)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    sigma = np.full((5, 1), 0.5, "float32")
    before = keras.ops.convert_to_numpy(model((x, sigma)))
    path = tmp_path / "ncsn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, g.NoiseConditionalDenoiser)
    assert loaded.hidden == (16, 8) and loaded.dim == 3
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded((x, sigma))), before, rtol=1e-6)


def test_denoiser_seed_reproduces():
    a = g.NoiseConditionalDenoiser(2, hidden=(8,), seed=3)
    b = g.NoiseConditionalDenoiser(2, hidden=(8,), seed=3)
    x, s = np.ones((2, 2), "float32"), np.ones((2, 1), "float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(a((x, s))), keras.ops.convert_to_numpy(b((x, s))))


def test_weighted_denoising_loss_is_noise_prediction_loss():
    """||r - x||^2 / sigma^2 == ||epsilon_hat - epsilon||^2 with epsilon_hat = -f."""
    model = g.NoiseConditionalDenoiser(2, hidden=(8,), seed=1)
    x = np.random.default_rng(0).normal(size=(6, 2))
    (noisy, sigma), target, weight = g.denoising_targets(x, [0.1, 1.0], seed=2)
    r = keras.ops.convert_to_numpy(model((noisy, sigma)))
    eps = (noisy - target) / sigma
    eps_hat = -(r - noisy) / sigma
    np.testing.assert_allclose(weight * np.sum((r - target) ** 2, 1), np.sum((eps_hat - eps) ** 2, 1), rtol=1e-3)


def test_trained_denoiser_estimates_the_exact_score():
    """A few hundred steps on a 1-component mixture: (r - x)/sigma^2 points along the exact score."""
    keras.utils.set_random_seed(0)
    mix = g.IsotropicMixture([[0.0, 0.0]], 1.0)
    sigmas = [0.5]
    model = g.NoiseConditionalDenoiser(2, hidden=(32,), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    for step in range(4):
        inputs, target, weight = g.denoising_targets(mix.sample(4096, seed=step), sigmas, seed=100 + step)
        model.fit(inputs, target, sample_weight=weight, batch_size=256, epochs=1, verbose=0)
    x = mix.sample(200, seed=9)
    est = (model.denoise(x, 0.5) - x) / 0.25
    exact = mix.score(x, 0.5)
    cos = np.sum(est * exact, 1) / np.linalg.norm(est, axis=1) / np.linalg.norm(exact, axis=1)
    assert np.median(cos) > 0.9


def test_samplers_with_the_exact_posterior_mean_reach_the_mixture():
    mix = g.IsotropicMixture([[-2.0, 0.0], [2.0, 0.0]], 0.3)
    denoise = lambda x, s: x + s**2 * mix.score(x, s)  # noqa: E731  Tweedie: the exact posterior mean
    target = mix.sample(400, seed=1)
    start = np.random.default_rng(2).uniform(-4, 4, size=(400, 2))
    assert g.energy_distance(start, target) > 0.3
    langevin = g.annealed_langevin(denoise, start, g.geometric_sigmas(3.0, 0.05, 8), 30, 1e-4 * 10, seed=3,
                                   final_denoise=False)
    assert g.energy_distance(langevin, target) < 0.05
    chain = g.corrupt_reconstruct_chain(lambda x: denoise(x, 0.3), start, 0.3, 50, seed=4)
    assert g.energy_distance(chain, target) < 0.1
    again = g.corrupt_reconstruct_chain(lambda x: denoise(x, 0.3), start, 0.3, 50, seed=4)
    np.testing.assert_array_equal(chain, again)


def test_preconditioned_denoiser_saves_and_tends_to_identity(tmp_path):
    model = g.NoiseConditionalDenoiser(4, hidden=(8,), seed=2, data_std=0.3)
    x = np.random.default_rng(1).uniform(size=(3, 4)).astype("float32")
    tiny = np.full((3, 1), 1e-6, "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model((x, tiny))), x, atol=1e-4)
    path = tmp_path / "pre.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.data_std == 0.3
    s = np.full((3, 1), 0.7, "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded((x, s))),
                               keras.ops.convert_to_numpy(model((x, s))), rtol=1e-6)
    with pytest.raises(ValueError, match="Argument `data_std`"):
        g.NoiseConditionalDenoiser(4, data_std=-1.0)


# -- The score command: Chapter 9's MNIST run, small --------------------------------


TINY_SCORE = ["--n-train", "400", "--hidden", "16", "--n-sigmas", "3", "--epochs", "1", "--n-samples", "100",
              "--n-steps-each", "2", "--chain-steps", "2", "--classifier-epochs", "1", "--feature-width", "8"]


def test_outer_points_lie_outside_the_smoothed_data():
    from daekeras.experiments import score

    mixture = g.spiral_mixture(score.N_COMPONENTS, score.STD)
    for sigma in score.SIGMAS:
        points = score._outer_points(mixture, 500, sigma, np.random.default_rng(0))
        width = np.hypot(score.STD, sigma)
        nearest = np.min(np.linalg.norm(points[:, None] - mixture.means[None], axis=2), axis=1)
        assert points.shape == (500, 2)
        assert nearest.min() >= score.OUTER[0] * width and nearest.max() <= score.OUTER[1] * width
        # The smoothed density there is under 1 % of its value at any mean (exp(-8) of a lone component).
        assert np.exp(mixture.log_density(points, sigma)).max() < 1e-2 * np.exp(mixture.log_density(mixture.means, sigma)).min()


def test_score_command_writes_its_record_and_samples_and_reruns_identically(tmp_path, capsys):
    import json

    from daekeras.__main__ import main
    from daekeras.experiments import score
    from daekeras.results import load_results

    out, samples = tmp_path / "score.json", tmp_path / "figs" / "samples"
    assert main(["score", "--seeds", "2", "3", "--out", str(out), "--samples-out", str(samples), "--json",
                 *TINY_SCORE]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert [r["seed"] for r in result["runs"]] == [2, 3]
    assert "score seed=2: fid langevin" in captured.err
    run = result["runs"][0]
    assert (run["part"], run["n_train"], run["hidden"], run["n_samples"]) == ("mnist", 400, [16], 100)
    assert len(run["sigmas"]) == 3 and len(run["losses"]) == 1 and len(run["chain_losses"]) == 1
    for name in ("langevin", "chain", "gaussian", "test_half"):
        assert run[f"fid_{name}"] >= 0 and sum(run[f"class_counts_{name}"]) == 100
        assert 0 < run[f"nearest_train_min_{name}"] <= run[f"nearest_train_median_{name}"]
    # The floor: test digits are closer to the other test digits than any sampler's output.
    assert run["fid_test_half"] < min(run["fid_langevin"], run["fid_chain"], run["fid_gaussian"])
    assert run["train_seconds"] + run["sample_seconds"] <= run["seconds"]
    # The samples: the first seed's first 64, as uint8, at the path given (no suffix added).
    grid = np.load(samples)
    assert grid.shape == (64, 784) and grid.dtype == np.uint8
    assert sorted(p.name for p in samples.parent.iterdir()) == ["samples"]
    assert load_results(out)["runs"] == result["runs"]
    # The same command again: its runs are the stored ones (times aside), so the
    # merge accepts them and the file keeps two runs.
    first = samples.read_bytes()
    assert main(["score", "--seeds", "2", "--out", str(out), "--samples-out", str(samples), "--quiet",
                 *TINY_SCORE]) == 0
    assert samples.read_bytes() == first
    stored = load_results(out)
    assert stored["runs"] == result["runs"] and len(stored["commands"]) == 2
    assert set(score.RUN_KEYS) <= set(run)
