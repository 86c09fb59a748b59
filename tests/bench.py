"""Benchmark: the kit's Learner against the Hugging Face Trainer, the same experiment side by side in one process.

    python tests/bench.py                                   # CPU, embedded MiniLM, full train split, 4 epochs
    python tests/bench.py --rows 4500 --epochs 1            # a short run
    python tests/bench.py --device cuda --model deberta-v3-small-random   # GPU: deberta-v3-small architecture

Variants (--variants): `trainer` (Jeremy Howard's TrainingArguments: bs 128, lr 8e-5, cosine with 10% warm-up,
weight decay 0.01, plain AdamW, fp16 on CUDA, dynamic padding, evaluation each epoch), `trainer_tuned` (plus bf16
where supported, length-grouped sampling, fused AdamW on CUDA), `kit` (get_dls + get_learner + fit_one_cycle), and
kit levers: `kit_eager` (no CUDA graphs), `kit_fp32`, `kit_frozen_emb` (word embeddings frozen).

Reported per variant: samples/s of a steady epoch (the last), wall time of the whole experiment (tokenisation, warm-up
or capture, training, per-epoch evaluation), time to predict the validation set, validation Pearson, peak memory
(on CPU the RSS the experiment added over the process's RSS at its start, sampled; max allocated on GPU); then the kit/Trainer ratios. Prints a markdown table and writes JSON (--out).
Not collected by pytest (no test_ prefix).
"""
import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd
import torch
import transformers

import kit

TV5 = int(transformers.__version__.split('.')[0]) >= 5


# ---- memory --------------------------------------------------------------------------------------
class PeakMemory:
    """Peak RSS (sampled every 20 ms) on CPU, or max allocated on CUDA, during a block."""
    def __init__(self, device): self.device, self.peak = device, 0

    def _rss(self):
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmRSS'): return int(line.split()[1]) * 1024
        return 0

    def __enter__(self):
        gc.collect()
        try:  # hand freed heap back to the OS so one variant's leftovers do not count against the next
            import ctypes; ctypes.CDLL('libc.so.6').malloc_trim(0)
        except OSError: pass
        self.start = 0 if self.device == 'cuda' else self._rss()
        if self.device == 'cuda':
            torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
        else:
            self.stop = False
            self.peak = self._rss()
            def watch():
                while not self.stop:
                    self.peak = max(self.peak, self._rss()); time.sleep(0.02)
            self.thread = threading.Thread(target=watch, daemon=True); self.thread.start()
        return self

    def __exit__(self, *a):
        if self.device == 'cuda': self.peak = torch.cuda.max_memory_allocated()
        else:
            self.stop = True; self.thread.join()


# ---- the experiment --------------------------------------------------------------------------------
def get_model_folder(name, tmp):
    """A folder with the model and a tokenizer. 'deberta-v3-small-random': deberta-v3-small's architecture with
    random weights (nothing is downloaded) and the embedded MiniLM tokenizer (ids fit its larger vocabulary)."""
    if name in (None, 'embedded'): return kit.default_checkpoint()
    if name != 'deberta-v3-small-random': return name
    from transformers import AutoTokenizer, DebertaV2Config, DebertaV2ForSequenceClassification
    tok_dir = os.environ.get('KIT_BENCH_TOKENIZER') or kit.default_checkpoint()
    cfg = DebertaV2Config(vocab_size=128100, hidden_size=768, num_hidden_layers=6, num_attention_heads=12,
                          intermediate_size=3072, max_position_embeddings=512, relative_attention=True, position_buckets=256,
                          norm_rel_ebd='layer_norm', share_att_key=True, pos_att_type=['p2c', 'c2p'], layer_norm_eps=1e-7,
                          max_relative_positions=-1, position_biased_input=False, type_vocab_size=0, num_labels=1, pad_token_id=0)
    torch.manual_seed(0)
    folder = Path(tmp) / 'deberta-v3-small-random'
    DebertaV2ForSequenceClassification(cfg).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tok_dir).save_pretrained(folder)
    return str(folder)


def load_model(folder, seed=42):
    from transformers import AutoModelForSequenceClassification
    torch.manual_seed(seed)
    with kit._quiet_transformers():
        return AutoModelForSequenceClassification.from_pretrained(folder, num_labels=1)


def run_trainer(df, trn, val, folder, args, tuned):
    from transformers import (AutoTokenizer, DataCollatorWithPadding, Trainer, TrainerCallback, TrainingArguments)
    cuda = args.device == 'cuda'
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(folder)
    sep = f' {tok.sep_token} '
    texts = kit.build_inputs(df, sep=sep)
    enc = tok(texts)  # Jeremy tokenises with datasets.map(batched=True); the same fast-tokenizer call
    rows = [dict(input_ids=enc['input_ids'][i], attention_mask=enc['attention_mask'][i],
                 labels=float(df.score.iloc[i])) for i in range(len(df))]
    trn_ds, val_ds = [rows[i] for i in trn], [rows[i] for i in val]
    model = load_model(folder)

    epoch_times = []
    class Timer(TrainerCallback):
        def on_epoch_begin(self, a, s, c, **kw):
            if cuda: torch.cuda.synchronize()
            self.t = time.perf_counter()
        def on_epoch_end(self, a, s, c, **kw):
            if cuda: torch.cuda.synchronize()
            epoch_times.append(time.perf_counter() - self.t)

    kw = dict(output_dir=tempfile.mkdtemp(), learning_rate=args.lr, lr_scheduler_type='cosine',
              per_device_train_batch_size=args.bs, per_device_eval_batch_size=args.bs * 2, num_train_epochs=args.epochs,
              weight_decay=0.01, optim='adamw_torch', report_to='none', save_strategy='no', logging_strategy='no',
              disable_tqdm=True, dataloader_num_workers=0, seed=42)
    kw['eval_strategy' if TV5 or 'eval_strategy' in TrainingArguments.__dataclass_fields__ else 'evaluation_strategy'] = 'epoch'
    if TV5: kw['warmup_steps'] = 0.1          # transformers 5: a float is a ratio
    else: kw['warmup_ratio'] = 0.1
    if cuda: kw['fp16'] = True
    if tuned:
        bf16 = (torch.cuda.get_device_capability()[0] >= 8) if cuda else kit.cpu_has_bf16()
        if bf16: kw.update(bf16=True, fp16=False)
        if not cuda and bf16 and 'use_cpu' in TrainingArguments.__dataclass_fields__: kw['use_cpu'] = True
        if 'train_sampling_strategy' in TrainingArguments.__dataclass_fields__: kw['train_sampling_strategy'] = 'group_by_length'
        else: kw['group_by_length'] = True
        if cuda: kw['optim'] = 'adamw_torch_fused'
    targs = TrainingArguments(**kw)
    metric = lambda p: {'pearson': float(np.corrcoef(np.asarray(p.predictions).reshape(-1), p.label_ids)[0, 1])}
    tk = dict(processing_class=tok) if TV5 else dict(tokenizer=tok)
    trainer = Trainer(model, targs, train_dataset=trn_ds, eval_dataset=val_ds, data_collator=DataCollatorWithPadding(tok),
                      compute_metrics=metric, callbacks=[Timer()], **tk)
    trainer.train()
    if cuda: torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    out = trainer.predict(val_ds)
    predict = time.perf_counter() - t1
    preds = np.asarray(out.predictions).reshape(-1)
    res = dict(epoch_times=epoch_times, wall=wall, predict=predict, pearson=kit.pearson(preds, np.asarray(out.label_ids).reshape(-1)))  # transformers 5 may reorder (length groups)
    del trainer, model
    return res


def run_kit(df, trn, val, folder, args, **learner_kw):
    from transformers import AutoTokenizer
    frozen = learner_kw.pop('frozen_emb', False)
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(folder)
    dls = kit.get_dls(df, partial(kit.build_inputs, sep=f' {tok.sep_token} '), tok, val, trn_idxs=trn, batch_size=args.bs)
    model = load_model(folder)
    if frozen: model.get_input_embeddings().weight.requires_grad_(False)
    learn = kit.get_learner(dls, model, device=args.device, progress=False, **learner_kw)
    learn.fit_one_cycle(args.epochs, args.lr)
    if args.device == 'cuda': torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    preds = learn.get_preds()
    predict = time.perf_counter() - t1
    res = dict(epoch_times=learn.history.train_time.tolist(), wall=wall, predict=predict,
               pearson=kit.pearson(preds, dls.valid.labels), history=learn.history.round(5).to_dict('list'),
               precision=str(learn.amp), graphs=len([g for g in learn._graphs.values() if g]))
    learn.free(); del learn, model
    return res


VARIANTS = {
    'trainer': lambda *a: run_trainer(*a, tuned=False),
    'trainer_tuned': lambda *a: run_trainer(*a, tuned=True),
    'kit': lambda *a: run_kit(*a),
    'kit_eager': lambda *a: run_kit(*a, cuda_graphs=False),
    'kit_fp32': lambda *a: run_kit(*a, use_fp16=False),
    'kit_frozen_emb': lambda *a: run_kit(*a, frozen_emb=True),
}


def machine(device):
    if device == 'cuda': return torch.cuda.get_device_name()
    name = platform.processor()
    try:
        name = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    return f'{name}, {torch.get_num_threads()} threads' + (', AVX512-BF16' if kit.cpu_has_bf16() else '')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='embedded', help="'embedded' (MiniLM), 'deberta-v3-small-random', or a folder")
    ap.add_argument('--rows', type=int, default=None, help='use the first N rows of train.csv (whole anchors)')
    ap.add_argument('--epochs', type=int, default=4)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--bs', type=int, default=128)
    ap.add_argument('--lr', type=float, default=8e-5)
    ap.add_argument('--variants', default=None, help='comma-separated; default: trainer,trainer_tuned,kit')
    ap.add_argument('--data', default=None, help='folder with train.csv (default: kit.data_path())')
    ap.add_argument('--out', default=None, help='JSON file (default: bench-<device>.json)')
    args = ap.parse_args(argv)
    variants = (args.variants or 'trainer,trainer_tuned,kit').split(',')
    df, _ = kit.load_data(args.data) if args.data else kit.load_data()
    if args.rows:
        keep = df.anchor.isin(df.anchor.unique()[:max(1, int(df.anchor.nunique() * args.rows / len(df)))])
        df = df[keep].reset_index(drop=True)
    trn, val = kit.anchor_split(df)
    info = dict(machine=machine(args.device), device=args.device, torch=torch.__version__, transformers=transformers.__version__,
                model=args.model, train_rows=len(trn), valid_rows=len(val), epochs=args.epochs, bs=args.bs, lr=args.lr)
    print(json.dumps(info), flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = get_model_folder(args.model, tmp)
        for v in variants:
            kit.set_seed(42)
            with PeakMemory(args.device) as mem:
                r = VARIANTS[v](df, trn, val, folder, args)
            r['peak_mem_gb'] = (mem.peak - mem.start) / 2**30  # what the experiment added (CUDA: max allocated)
            r['peak_rss_gb'] = mem.peak / 2**30
            r['samples_per_s'] = len(trn) / r['epoch_times'][-1]
            results[v] = r
            print(f'{v}: {r["samples_per_s"]:.0f} samples/s (steady epoch {r["epoch_times"][-1]:.2f}s), wall {r["wall"]:.1f}s, '
                  f'predict {r["predict"]:.2f}s, pearson {r["pearson"]:.4f}, peak {r["peak_mem_gb"]:.2f} GB', flush=True)
            gc.collect()
            if args.device == 'cuda': torch.cuda.empty_cache()
    ratios = {}
    for base in ('trainer', 'trainer_tuned'):
        for v in results:
            if v.startswith('kit') and base in results:
                b, k = results[base], results[v]
                ratios[f'{v}/{base}'] = dict(samples_per_s=k['samples_per_s'] / b['samples_per_s'], wall=k['wall'] / b['wall'],
                                             predict=k['predict'] / b['predict'], pearson_diff=k['pearson'] - b['pearson'],
                                             peak_mem=k['peak_mem_gb'] / b['peak_mem_gb'])
    print(f'\n{info["machine"]}; torch {info["torch"]}, transformers {info["transformers"]}; model {args.model}; '
          f'{len(trn)} training rows, {len(val)} validation rows, {args.epochs} epochs, bs {args.bs}\n')
    print('| variant | samples/s (steady epoch) | epoch (s) | experiment wall (s) | predict valid (s) | valid Pearson | peak memory (GB) |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for v, r in results.items():
        print(f'| {v} | {r["samples_per_s"]:.0f} | {r["epoch_times"][-1]:.2f} | {r["wall"]:.1f} | {r["predict"]:.2f} | '
              f'{r["pearson"]:.4f} | {r["peak_mem_gb"]:.2f} |')
    if ratios:
        print('\n| ratio | samples/s | wall | predict | Pearson diff | peak memory |')
        print('|---|---:|---:|---:|---:|---:|')
        for k, r in ratios.items():
            print(f'| {k} | {r["samples_per_s"]:.2f}x | {r["wall"]:.2f}x | {r["predict"]:.2f}x | {r["pearson_diff"]:+.4f} | {r["peak_mem"]:.2f}x |')
    out = args.out or f'bench-{args.device}.json'
    with kit.atomic_write(out) as f: json.dump(dict(info=info, results=results, ratios=ratios), f, indent=1, default=str)
    print(f'\nwrote {out}')


if __name__ == '__main__':
    main()
