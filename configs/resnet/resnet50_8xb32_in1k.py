# ResNet-50 on ImageNet-1k, 8 GPUs x 32 images (seed 003 §1): a "primitive" config that
# only inherits the four _base_ components. Needs data/imagenet/{train,val,meta/val.txt}.
_base_ = [
    '../_base_/models/resnet50.py',           # model
    '../_base_/datasets/imagenet_bs32.py',    # data
    '../_base_/schedules/imagenet_bs256.py',  # schedule
    '../_base_/default_runtime.py'            # runtime
]
