function toolbox_driver(toolbox, datadir, outfile, seed, masking, n_train, hidden, exportdir)
%TOOLBOX_DRIVER One run of DeepLearnToolbox's stacked denoising autoencoder experiment.
%
%   toolbox_driver(TOOLBOX, DATADIR, OUTFILE, SEED, MASKING, N_TRAIN, HIDDEN, EXPORTDIR)
%
%   Runs the experiment of the toolbox's tests/test_example_SAE.m, extended to
%   two hidden layers as the book runs it (autoencoders [784 HIDDEN], then the
%   classifier [784 HIDDEN 10]), with the toolbox's own, unmodified functions
%   taken from the clone at TOOLBOX. Nothing of the toolbox is copied or edited:
%   this file only calls saesetup, saetrain, nnsetup, nntrain, nntest and
%   nnpredict, after rand('state', SEED) as the toolbox's tests seed.
%
%   DATADIR holds the MNIST arrays written by crosscheck/run_toolbox.py
%   (train_x.u8, train_labels.u8, test_x.u8, test_labels.u8: uint8, rows are
%   images). N_TRAIN uses the first N_TRAIN training images (60000: all).
%   OUTFILE receives one JSON object: test error, predicted-class counts,
%   fine-tuning loss and wall time.
%
%   If EXPORTDIR is not empty, the run also writes to it the final weights and,
%   after re-seeding with rand('state', SEED), the random numbers the run drew,
%   drawn again in the order the run draws them, with the toolbox's functions and
%   Octave's generator: saesetup's initial weights; for each autoencoder
%   randperm(N_TRAIN) and, per mini-batch, rand(100, n_in) > MASKING (only if
%   MASKING is not 0, as nntrain does); nnsetup's initial weights; the fine-tuning
%   randperm(N_TRAIN). The generator's state after these draws must equal its
%   state after the run, i.e. the run drew exactly these numbers; the driver
%   checks that and records it. Arrays are written as raw little-endian files,
%   row-major, listed with their shapes in EXPORTDIR/manifest.json.

  addpath(fullfile(toolbox, 'NN'), fullfile(toolbox, 'SAE'), fullfile(toolbox, 'util'));
  batchsize = 100;
  sizes = [784 hidden(:)'];

  train_x = read_u8(fullfile(datadir, 'train_x.u8'), 784);
  test_x  = read_u8(fullfile(datadir, 'test_x.u8'), 784);
  train_labels = read_u8(fullfile(datadir, 'train_labels.u8'), 1);
  test_labels  = read_u8(fullfile(datadir, 'test_labels.u8'), 1);
  train_x = train_x(1:n_train, :);
  train_labels = train_labels(1:n_train);
  train_y = one_hot(train_labels);
  test_y  = one_hot(test_labels);

  % As in test_example_SAE.m.
  train_x = double(train_x) / 255;
  test_x  = double(test_x) / 255;
  train_y = double(train_y);
  test_y  = double(test_y);

  rand('state', seed);
  t0 = tic;
  sae = saesetup(sizes);
  for i = 1 : numel(sae.ae)
    sae.ae{i}.activation_function     = 'sigm';
    sae.ae{i}.learningRate            = 1;
    sae.ae{i}.inputZeroMaskedFraction = masking;
  end
  opts.numepochs = 1;
  opts.batchsize = batchsize;
  sae = saetrain(sae, train_x, opts);

  nn = nnsetup([sizes 10]);
  nn.activation_function = 'sigm';
  nn.learningRate        = 1;
  for i = 1 : numel(sae.ae)
    nn.W{i} = sae.ae{i}.W{1};
  end
  [nn, L] = nntrain(nn, train_x, train_y, opts);
  [er, bad] = nntest(nn, test_x, test_y);
  seconds = toc(t0);
  state_after_run = rand('state');

  labels = nnpredict(nn, test_x);
  counts = accumarray(labels(:), 1, [10 1])';

  result = struct();
  result.seed = seed;
  result.masking = masking;
  result.n_train = n_train;
  result.layer_sizes = sizes;
  result.test_error = er;
  result.n_errors = numel(bad);
  result.predicted_counts = counts;
  result.finetune_loss = mean(L);
  result.seconds = seconds;
  result.octave = OCTAVE_VERSION;

  if ~isempty(exportdir)
    if ~exist(exportdir, 'dir')
      mkdir(exportdir);
    end
    files = {};
    for i = 1 : numel(sae.ae)
      for j = 1 : 2
        files{end+1} = write_array(exportdir, sprintf('final_ae%d_W%d', i, j), sae.ae{i}.W{j}, 'double');
      end
    end
    for i = 1 : numel(nn.W)
      files{end+1} = write_array(exportdir, sprintf('final_nn_W%d', i), nn.W{i}, 'double');
    end

    % The draws, in the order the run made them.
    rand('state', seed);
    sae0 = saesetup(sizes);
    for i = 1 : numel(sae0.ae)
      for j = 1 : 2
        files{end+1} = write_array(exportdir, sprintf('init_ae%d_W%d', i, j), sae0.ae{i}.W{j}, 'double');
      end
      kk = randperm(n_train);
      files{end+1} = write_array(exportdir, sprintf('perm_ae%d', i), kk, 'int32');
      if masking ~= 0
        masks = false(n_train, sizes(i));
        for l = 1 : n_train / batchsize
          masks((l - 1) * batchsize + 1 : l * batchsize, :) = (rand(batchsize, sizes(i)) > masking);
        end
        files{end+1} = write_array(exportdir, sprintf('masks_ae%d', i), masks, 'uint8');
      end
    end
    nn0 = nnsetup([sizes 10]);
    for i = 1 : numel(nn0.W)
      files{end+1} = write_array(exportdir, sprintf('init_nn_W%d', i), nn0.W{i}, 'double');
    end
    kk = randperm(n_train);
    files{end+1} = write_array(exportdir, 'perm_nn', kk, 'int32');
    state_after_draws = rand('state');

    result.draws_equal_run = isequal(state_after_run, state_after_draws);
    manifest = result;
    manifest.arrays = files;
    write_text(fullfile(exportdir, 'manifest.json'), jsonencode(manifest));
  end
  write_text(outfile, jsonencode(result));
end

function x = read_u8(path, cols)
  fid = fopen(path, 'r');
  if fid < 0
    error('toolbox_driver: cannot open %s', path);
  end
  x = fread(fid, [cols Inf], 'uint8=>uint8')';
  fclose(fid);
end

function y = one_hot(labels)
  y = zeros(numel(labels), 10, 'uint8');
  y(sub2ind(size(y), (1:numel(labels))', double(labels(:)) + 1)) = 1;
end

function entry = write_array(dir, name, a, precision)
  fname = [name '.bin'];
  fid = fopen(fullfile(dir, fname), 'w', 'ieee-le');
  fwrite(fid, a', precision);   % transposed: the file is row-major
  fclose(fid);
  entry = struct('name', name, 'file', fname, 'dtype', precision, 'shape', size(a));
end

function write_text(path, text)
  fid = fopen(path, 'w');
  fprintf(fid, '%s\n', text);
  fclose(fid);
end
